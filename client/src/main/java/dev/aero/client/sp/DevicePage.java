package dev.aero.client.sp;

import java.util.List;

import dev.aero.common.id.DID;

/** A page of the organization's linked devices (admins), by device id; {@code nextAfter} is null on the last page. */
public record DevicePage(List<Device> devices, DID nextAfter) {
}
