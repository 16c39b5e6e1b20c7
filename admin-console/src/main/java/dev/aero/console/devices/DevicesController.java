package dev.aero.console.devices;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import dev.aero.client.sp.Device;
import dev.aero.client.sp.DeviceCommands;
import dev.aero.client.sp.DevicePage;
import dev.aero.client.sp.LogsRequest;
import dev.aero.client.sp.SpApiException;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.console.overview.OrganizationCounts;
import dev.aero.console.platform.DevicePresence;
import dev.aero.console.platform.PlatformReader;
import dev.aero.console.web.Confirmation;
import dev.aero.console.web.CurrentAdmin;
import dev.aero.console.web.FormRefusals;

/**
 * Every device of the organization, live, with filters; a device's page with its queue and dead
 * letters and log uploads; rename, unlink, unlink and wipe, request logs, re-drive. Actions go to SP as the admin.
 */
@Controller
public class DevicesController {

    static final int PAGE = 200;
    /** How many of a device's log uploads its page shows (the device logs page has them all). */
    static final int LOG_UPLOADS = 20;

    private final CurrentAdmin current;
    private final PlatformReader platform;
    private final OrganizationCounts counts;

    public DevicesController(CurrentAdmin current, PlatformReader platform, OrganizationCounts counts) {
        this.current = current;
        this.platform = platform;
        this.counts = counts;
    }

    /** The filters of the devices page, as the form sent them. */
    public record Filter(String state, String offlineDays, String owner, String after) {

        public Filter {
            state = state == null || !List.of("online", "offline").contains(state) ? "all" : state;
            offlineDays = offlineDays == null ? "" : offlineDays.strip();
            owner = owner == null ? "" : owner.strip();
            after = after == null ? "" : after.strip();
        }

        /** The same filters as a query string, for the live part and the next page. */
        public String query(boolean withAfter) {
            StringBuilder q = new StringBuilder("state=").append(state);
            if (!offlineDays.isEmpty()) {
                q.append("&offlineDays=").append(encode(offlineDays));
            }
            if (!owner.isEmpty()) {
                q.append("&owner=").append(encode(owner));
            }
            if (withAfter && !after.isEmpty()) {
                q.append("&after=").append(encode(after));
            }
            return q.toString();
        }

        private static String encode(String s) {
            return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @GetMapping("/devices")
    String devices(Filter filter, Model model) {
        model.addAttribute("nav", "devices");
        list(filter, model);
        return "devices";
    }

    @GetMapping("/live/devices")
    String liveDevices(Filter filter, Model model) {
        list(filter, model);
        return "devices :: rows";
    }

    private void list(Filter filter, Model model) {
        model.addAttribute("filter", filter);
        Map<String, String> errors = new java.util.LinkedHashMap<>();
        Integer days = null;
        if (!filter.offlineDays().isEmpty()) {
            try {
                days = Integer.parseInt(filter.offlineDays());
                if (days < 0 || days > 3650) {
                    errors.put("offlineDays", "A number of days from 0 to 3650.");
                }
            } catch (NumberFormatException e) {
                errors.put("offlineDays", "A number of days from 0 to 3650.");
            }
        }
        UserID owner = null;
        if (!filter.owner().isEmpty()) {
            try {
                owner = UserID.of(filter.owner());
            } catch (IllegalArgumentException e) {
                errors.put("owner", "Not an e-mail address.");
            }
        }
        DID after = null;
        if (!filter.after().isEmpty()) {
            try {
                after = DID.of(filter.after());
            } catch (IllegalArgumentException e) {
                after = null;
            }
        }
        model.addAttribute("errors", errors);
        if (!errors.isEmpty()) {
            model.addAttribute("rows", List.of());
            return;
        }
        DevicePage page = current.sp().organizationDevices(after, owner, PAGE);
        Instant offlineBefore = days == null ? null : Instant.now().minus(Duration.ofDays(days));
        List<Device> shown = page.devices().stream().filter(d -> switch (filter.state()) {
            case "online" -> Boolean.TRUE.equals(d.online());
            case "offline" -> !Boolean.TRUE.equals(d.online());
            default -> true;
        }).filter(d -> offlineBefore == null
                || !Boolean.TRUE.equals(d.online()) && (d.lastSeenTime() == null || d.lastSeenTime().isBefore(offlineBefore))).toList();
        Map<String, DevicePresence> presence = platform.presence(shown.stream().map(d -> d.deviceId().toString()).toList());
        model.addAttribute("rows", shown.stream().map(d -> DeviceRow.of(d, presence.get(d.deviceId().toString()))).toList());
        model.addAttribute("next", page.nextAfter() == null ? null : page.nextAfter().toString());
    }

    @GetMapping("/devices/{did}")
    String device(@PathVariable String did, Model model) {
        model.addAttribute("nav", "devices");
        DID id = DID.of(did);
        deviceModel(id, model);
        logsModel(id, model);
        queueModel(id, model);
        return "device";
    }

    /** The device's latest log uploads. */
    private void logsModel(DID did, Model model) {
        model.addAttribute("logUploads", current.sp().deviceLogs(did, null, LOG_UPLOADS).uploads());
    }

    /** The device's queue and dead letters, through SP; when command-server cannot say, the page says so. */
    private void queueModel(DID did, Model model) {
        try {
            model.addAttribute("queue", current.sp().deviceCommands(did));
        } catch (SpApiException e) {
            if (e.status() != 503 && e.status() != 502) {
                throw e;
            }
            model.addAttribute("queue", new DeviceCommands(List.of(), List.of()));
            model.addAttribute("queueError", "command-server cannot be reached: the queue cannot be shown now.");
        }
    }

    @PostMapping("/devices/{did}/dead-letters/redrive")
    String redrive(@PathVariable String did, RedirectAttributes flash) {
        try {
            long n = current.sp().redriveDeadLetters(DID.of(did));
            flash.addFlashAttribute("notice", n == 0 ? "There were no dead letters to re-drive."
                    : "Re-drove " + n + (n == 1 ? " command" : " commands") + " to the tail of the queue.");
        } catch (SpApiException e) {
            if (e.status() != 503) {
                throw e;
            }
            flash.addFlashAttribute("failure", "command-server cannot be reached: nothing was re-driven; try again.");
        }
        return "redirect:/devices/" + did;
    }

    @GetMapping("/devices/{did}/logs")
    String confirmLogs(@PathVariable String did, Model model) {
        DeviceRow row = DeviceRow.of(current.sp().device(DID.of(did)), null);
        return new Confirmation("Ask " + possessive(ownerName(row)) + " " + row.label() + " for its logs?",
                "It is sent UPLOAD_LOGS under a new defect id and uploads its logs the next time it is online, unless the request has expired by then.",
                "/devices/" + did + "/logs", "Request logs", Map.of(), "/devices/" + did).show(model);
    }

    @PostMapping("/devices/{did}/logs")
    String requestLogs(@PathVariable String did, RedirectAttributes flash) {
        LogsRequest request = current.sp().requestDeviceLogs(DID.of(did), null);
        flash.addFlashAttribute("notice", "Logs requested under defect id " + request.defectId()
                + ". They appear under Uploaded logs once the device has sent them.");
        return "redirect:/devices/" + did;
    }

    @GetMapping("/live/devices/{did}")
    String liveDevice(@PathVariable String did, Model model) {
        deviceModel(DID.of(did), model);
        return "device :: live";
    }

    private void deviceModel(DID did, Model model) {
        Device device = current.sp().device(did);
        Map<String, DevicePresence> presence = platform.presence(List.of(did.toString()));
        model.addAttribute("row", DeviceRow.of(device, presence.get(did.toString())));
        if (!model.containsAttribute("name")) {
            model.addAttribute("name", device.name());
        }
    }

    @PostMapping("/devices/{did}/name")
    String rename(@PathVariable String did, @RequestParam(defaultValue = "") String name, Model model, RedirectAttributes flash) {
        DID id = DID.of(did);
        String wanted = name.strip();
        String error = wanted.isEmpty() ? "A device needs a name." : null;
        if (error == null) {
            try {
                current.sp().renameDevice(id, wanted);
                flash.addFlashAttribute("notice", "Renamed to \u201c" + wanted + "\u201d.");
                return "redirect:/devices/" + did;
            } catch (SpApiException e) {
                if (e.status() == 404) {
                    throw e;
                }
                error = FormRefusals.message(e, "SP refused the name.");
            }
        }
        model.addAttribute("nav", "devices");
        model.addAttribute("name", name);
        model.addAttribute("nameError", error);
        deviceModel(id, model);
        logsModel(id, model);
        queueModel(id, model);
        return "device";
    }

    @GetMapping("/devices/{did}/unlink")
    String confirmUnlink(@PathVariable String did, @RequestParam(defaultValue = "false") boolean wipe, Model model) {
        DeviceRow row = DeviceRow.of(current.sp().device(DID.of(did)), null);
        String whose = possessive(ownerName(row));
        String title = (wipe ? "Unlink and wipe " : "Unlink ") + whose + " " + row.label() + "?";
        String consequence = wipe
                ? "Its certificate is revoked at once. The next time it connects it deletes every synced file and forgets this organization. This cannot be undone."
                : "Its certificate is revoked at once and it stops syncing; its files stay on it. It can be linked again only as a new device.";
        return new Confirmation(title, consequence, "/devices/" + did + "/unlink", wipe ? "Unlink and wipe" : "Unlink",
                Map.of("wipe", String.valueOf(wipe)), "/devices/" + did).show(model);
    }

    @PostMapping("/devices/{did}/unlink")
    String unlink(@PathVariable String did, @RequestParam(defaultValue = "false") boolean wipe, RedirectAttributes flash) {
        DID id = DID.of(did);
        DeviceRow row = DeviceRow.of(current.sp().device(id), null);
        current.sp().unlinkDevice(id, wipe);
        counts.forget(current.admin().email());
        flash.addFlashAttribute("notice", (wipe ? "Unlinked and told to wipe: " : "Unlinked: ") + row.label() + ".");
        return "redirect:/devices";
    }

    /** The owner as the admin knows them: their first name, else their address. */
    private String ownerName(DeviceRow row) {
        String owner = row.device().owner().toString();
        return current.sp().members().stream().filter(m -> m.userId().toString().equals(owner)).findFirst()
                .map(m -> m.firstName() == null || m.firstName().isBlank() ? owner : m.firstName()).orElse(owner);
    }

    static String possessive(String name) {
        return name + "\u2019s";
    }
}
