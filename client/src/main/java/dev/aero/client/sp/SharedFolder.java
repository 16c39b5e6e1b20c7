package dev.aero.client.sp;

import dev.aero.common.id.SID;

/** A shared folder as the caller sees it: its role (VIEWER, EDITOR, OWNER) and state (PENDING, JOINED, LEFT). */
public record SharedFolder(SID sid, String name, String role, String state) {
}
