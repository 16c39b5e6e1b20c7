package dev.aero.sp.device;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface Devices extends JpaRepository<Device, String> {

    @Query("select d from Device d where d.ownerId = ?1 and d.unlinkedAt is null order by d.registeredAt, d.id")
    List<Device> linkedOf(String ownerId);

    /** The organization's linked devices after {@code after} by id, of one owner when {@code owner} is not null. */
    @Query(value = "SELECT d.* FROM devices d JOIN users u ON u.id = d.owner_id WHERE u.organization_id = ?1 AND d.unlinked_at IS NULL"
            + " AND d.id > ?2 AND (?3 IS NULL OR d.owner_id = ?3) ORDER BY d.id LIMIT ?4", nativeQuery = true)
    List<Device> linkedInOrganization(int organization, String after, String owner, int limit);

    @Query(value = "SELECT * FROM devices WHERE id = ?1 FOR UPDATE", nativeQuery = true)
    Optional<Device> lockById(String id);
}
