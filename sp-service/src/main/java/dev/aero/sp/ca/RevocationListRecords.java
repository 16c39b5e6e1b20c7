package dev.aero.sp.ca;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

import jakarta.persistence.LockModeType;

interface RevocationListRecords extends JpaRepository<RevocationListRecord, Byte> {

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select r from RevocationListRecord r where r.id = 1")
    RevocationListRecord lockCurrent();
}
