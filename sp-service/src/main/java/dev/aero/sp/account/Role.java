package dev.aero.sp.account;

/** A member's role in the organization. */
public enum Role {
    USER,
    ADMIN
}
