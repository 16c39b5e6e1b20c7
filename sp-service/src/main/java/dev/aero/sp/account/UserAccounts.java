package dev.aero.sp.account;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

import jakarta.persistence.LockModeType;

public interface UserAccounts extends JpaRepository<UserAccount, String> {

    @Query("select u from UserAccount u where u.organizationId = ?1 and u.id not like ':%' order by u.id")
    List<UserAccount> members(int organizationId);

    /** Locks the organization's active admins, so that two demotions cannot both pass the last-admin check. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select u from UserAccount u where u.organizationId = ?1 and u.role = dev.aero.sp.account.Role.ADMIN and u.active = true")
    List<UserAccount> lockActiveAdmins(int organizationId);

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select u from UserAccount u where u.id = ?1")
    Optional<UserAccount> lockById(String id);
}
