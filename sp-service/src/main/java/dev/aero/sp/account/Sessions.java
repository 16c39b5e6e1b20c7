package dev.aero.sp.account;

import java.time.Instant;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface Sessions extends JpaRepository<Session, String> {

    @Modifying
    @Query("delete from Session s where s.userId = ?1")
    int deleteAllOf(String userId);

    @Modifying
    @Query("delete from Session s where s.userId = ?1 and s.tokenHash <> ?2")
    int deleteOthersOf(String userId, String keepTokenHash);

    @Modifying
    @Query("delete from Session s where s.expiresAt < ?1")
    int deleteExpired(Instant now);
}
