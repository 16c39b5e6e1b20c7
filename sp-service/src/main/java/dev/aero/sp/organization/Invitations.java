package dev.aero.sp.organization;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

import jakarta.persistence.LockModeType;

interface Invitations extends JpaRepository<Invitation, String> {

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select i from Invitation i where i.codeHash = ?1")
    Optional<Invitation> lockByHash(String codeHash);
}
