package dev.aero.console.devices;

import dev.aero.client.sp.Device;
import dev.aero.console.platform.DevicePresence;

/** A device as the console shows it: SP's record with devman's last address (null when unknown). */
public record DeviceRow(Device device, String lastAddress) {

    public String did() {
        return device.deviceId().toString();
    }

    public boolean online() {
        return Boolean.TRUE.equals(device.online());
    }

    /** "laptop of alice@example.com" when the device has no name. */
    public String label() {
        String name = device.name();
        return name == null || name.isBlank() ? "device " + did().substring(0, 8) + " of " + device.owner() : name;
    }

    public String transports() {
        return device.onlineVia() == null || device.onlineVia().isEmpty() ? "" : String.join(", ", device.onlineVia());
    }

    static DeviceRow of(Device device, DevicePresence presence) {
        return new DeviceRow(device, presence == null ? null : presence.ipAddress());
    }
}
