package dev.aero.sp.account;

import java.time.Instant;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface PasswordResets extends JpaRepository<PasswordReset, String> {

    /** Locked, so that two concurrent uses of one token cannot both succeed. */
    @Query(value = "SELECT * FROM password_resets WHERE token_hash = ?1 FOR UPDATE", nativeQuery = true)
    Optional<PasswordReset> lockByHash(String tokenHash);

    @Modifying
    @Query("update PasswordReset r set r.usedAt = ?2 where r.userId = ?1 and r.usedAt is null")
    int invalidateAllOf(String userId, Instant now);

    @Modifying
    @Query("delete from PasswordReset r where r.expiresAt < ?1")
    int deleteExpired(Instant before);
}
