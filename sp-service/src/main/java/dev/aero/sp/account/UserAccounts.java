package dev.aero.sp.account;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface UserAccounts extends JpaRepository<UserAccount, String> {

    @Query("select u from UserAccount u where u.organizationId = ?1 and u.id not like ':%' order by u.id")
    List<UserAccount> members(int organizationId);

    /** Locks the organization's active admins, so that two demotions cannot both pass the last-admin check. */
    @Query(value = "SELECT * FROM users WHERE organization_id = ?1 AND role = 'ADMIN' AND active FOR UPDATE", nativeQuery = true)
    List<UserAccount> lockActiveAdmins(int organizationId);

    @Query(value = "SELECT * FROM users WHERE id = ?1 FOR UPDATE", nativeQuery = true)
    Optional<UserAccount> lockById(String id);
}
