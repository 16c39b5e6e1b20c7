package dev.aero.sp.device;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface Devices extends JpaRepository<Device, String> {

    @Query("select d from Device d where d.ownerId = ?1 and d.unlinkedAt is null order by d.registeredAt, d.id")
    List<Device> linkedOf(String ownerId);

    @Query(value = "SELECT * FROM devices WHERE id = ?1 FOR UPDATE", nativeQuery = true)
    Optional<Device> lockById(String id);
}
