package dev.aero.sp.organization;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface Invitations extends JpaRepository<Invitation, String> {

    @Query(value = "SELECT * FROM invitations WHERE code_hash = ?1 FOR UPDATE", nativeQuery = true)
    Optional<Invitation> lockByHash(String codeHash);
}
