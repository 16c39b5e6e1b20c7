package dev.aero.console.devicelogs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import dev.aero.client.sp.LogUploadPage;
import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.console.web.Confirmation;
import dev.aero.console.web.CurrentAdmin;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Devices' log uploads (answers to "Request logs" on a device's page), newest first, of one
 * device when asked; each downloaded through the console (streamed from SP, never kept here) or
 * deleted. Everything goes to SP as the admin.
 */
@Controller
public class DeviceLogsController {

    static final int PAGE = 100;
    /** SP's form of a defect id; anything else in an address is not one (404 page). */
    private static final java.util.regex.Pattern DEFECT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final CurrentAdmin current;

    public DeviceLogsController(CurrentAdmin current) {
        this.current = current;
    }

    @GetMapping("/device-logs")
    String uploads(@RequestParam(required = false) String device, @RequestParam(required = false) Long before, Model model) {
        model.addAttribute("nav", "device-logs");
        DID did = device == null || device.isBlank() ? null : DID.of(device.strip());
        LogUploadPage page = current.sp().deviceLogs(did, before, PAGE);
        model.addAttribute("device", did == null ? null : did.hex());
        model.addAttribute("uploads", page.uploads());
        model.addAttribute("next", page.nextBefore());
        return "device-logs";
    }

    @GetMapping("/device-logs/{did}/{defectId}")
    void download(@PathVariable String did, @PathVariable String defectId, HttpServletResponse response) throws IOException {
        DID device = DID.of(did);
        defect(defectId);
        // SP refuses (404 and so on) before anything is written: the error page shows instead.
        try (InputStream gzip = current.sp().downloadDeviceLogs(device, defectId)) {
            response.setContentType("application/gzip");
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                    .filename("logs-" + device.hex() + "-" + defectId + ".gz").build().toString());
            OutputStream out = response.getOutputStream();
            gzip.transferTo(out);
        }
    }

    @GetMapping("/device-logs/{did}/{defectId}/delete")
    String confirmDelete(@PathVariable String did, @PathVariable String defectId, @RequestParam(required = false) String back,
            Model model) {
        DID device = DID.of(did);
        defect(defectId);
        String from = backTo(back, device);
        return new Confirmation("Delete the logs of defect " + defectId + "?",
                "The uploaded file is deleted from SP for good. The device uploads again only if it is asked again.",
                "/device-logs/" + device.hex() + "/" + defectId + "/delete", "Delete logs",
                back == null ? Map.of() : Map.of("back", back), from).show(model);
    }

    @PostMapping("/device-logs/{did}/{defectId}/delete")
    String delete(@PathVariable String did, @PathVariable String defectId, @RequestParam(required = false) String back,
            RedirectAttributes flash) {
        DID device = DID.of(did);
        defect(defectId);
        current.sp().deleteDeviceLogs(device, defectId);
        flash.addFlashAttribute("notice", "Deleted the logs of defect " + defectId + ".");
        return "redirect:" + backTo(back, device);
    }

    private static String defect(String defectId) {
        if (!DEFECT_ID.matcher(defectId).matches()) {
            throw new InvalidIdentifierException("defect id", defectId, "not 1-64 letters, digits, '.', '_' or '-'");
        }
        return defectId;
    }

    /** Where a delete returns: the device's page when it started there, else the list (never an address from the request). */
    private static String backTo(String back, DID device) {
        return "device".equals(back) ? "/devices/" + device.hex() : "/device-logs";
    }
}
