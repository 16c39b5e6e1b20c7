package dev.aero.sp.sharing;

/** Where a member stands: invited, syncing, or gone (and may join again). Only JOINED members sync. */
public enum MemberState {
    PENDING, JOINED, LEFT
}
