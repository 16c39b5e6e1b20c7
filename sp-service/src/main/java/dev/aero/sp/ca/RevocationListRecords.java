package dev.aero.sp.ca;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface RevocationListRecords extends JpaRepository<RevocationListRecord, Byte> {

    @Query(value = "SELECT * FROM certificate_revocation_list WHERE id = 1 FOR UPDATE", nativeQuery = true)
    RevocationListRecord lockCurrent();
}
