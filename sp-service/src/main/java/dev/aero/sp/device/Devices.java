package dev.aero.sp.device;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

import jakarta.persistence.LockModeType;

interface Devices extends JpaRepository<Device, String> {

    @Query("select d from Device d where d.ownerId = ?1 and d.unlinkedAt is null order by d.registeredAt, d.id")
    List<Device> linkedOf(String ownerId);

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select d from Device d where d.id = ?1")
    Optional<Device> lockById(String id);
}
