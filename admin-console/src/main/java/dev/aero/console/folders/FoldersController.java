package dev.aero.console.folders;

import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriUtils;

import dev.aero.client.sp.SharedFolderDetails;
import dev.aero.client.sp.SharedFolderPage;
import dev.aero.client.sp.SpApiException;
import dev.aero.common.id.SID;
import dev.aero.console.overview.OrganizationCounts;
import dev.aero.console.web.Confirmation;
import dev.aero.console.web.CurrentAdmin;
import dev.aero.console.web.FormRefusals;

/** Every shared folder of the organization with its members and roles; remove a member; destroy a folder. */
@Controller
public class FoldersController {

    static final int PAGE = 100;

    private final CurrentAdmin current;
    private final OrganizationCounts counts;

    public FoldersController(CurrentAdmin current, OrganizationCounts counts) {
        this.current = current;
        this.counts = counts;
    }

    @GetMapping("/folders")
    String folders(@RequestParam(defaultValue = "") String after, Model model) {
        model.addAttribute("nav", "folders");
        SID from = after.isBlank() ? null : SID.of(after.strip());
        SharedFolderPage page = current.sp().organizationSharedFolders(from, PAGE);
        model.addAttribute("folders", page.folders());
        model.addAttribute("next", page.nextAfter() == null ? null : page.nextAfter().toString());
        return "folders";
    }

    @GetMapping("/folders/{sid}")
    String folder(@PathVariable String sid, Model model) {
        model.addAttribute("nav", "folders");
        model.addAttribute("folder", current.sp().sharedFolder(SID.of(sid)));
        return "folder";
    }

    @GetMapping("/folders/{sid}/members/{email}/remove")
    String confirmRemove(@PathVariable String sid, @PathVariable String email, Model model) {
        SharedFolderDetails folder = current.sp().sharedFolder(SID.of(sid));
        return new Confirmation("Remove " + email + " from \u201c" + folder.name() + "\u201d?",
                "Their devices stop syncing this folder; what they already have stays on them. Access they hold through a group is not"
                        + " removed by this.",
                memberPath(sid, email) + "/remove", "Remove from folder", Map.of(), "/folders/" + sid).show(model);
    }

    @PostMapping("/folders/{sid}/members/{email}/remove")
    String remove(@PathVariable String sid, @PathVariable String email, RedirectAttributes flash) {
        try {
            current.sp().removeSharedFolderMember(SID.of(sid), email);
            flash.addFlashAttribute("notice", "Removed " + email + " from the folder.");
        } catch (SpApiException e) {
            if (e.status() == 404 && e.type() != null && e.type().endsWith("folder-not-found")) {
                throw e;
            }
            flash.addFlashAttribute("failure", FormRefusals.message(e, "SP refused the removal."));
        }
        return "redirect:/folders/" + sid;
    }

    @GetMapping("/folders/{sid}/destroy")
    String confirmDestroy(@PathVariable String sid, Model model) {
        SharedFolderDetails folder = current.sp().sharedFolder(SID.of(sid));
        return new Confirmation("Destroy the shared folder \u201c" + folder.name() + "\u201d?",
                "Every one of its " + folder.members().size() + " members is removed and no device syncs it any more. Files already on"
                        + " devices stay there. This cannot be undone.",
                "/folders/" + sid + "/destroy", "Destroy folder", Map.of(), "/folders/" + sid).show(model);
    }

    @PostMapping("/folders/{sid}/destroy")
    String destroy(@PathVariable String sid, RedirectAttributes flash) {
        SID id = SID.of(sid);
        String name = current.sp().sharedFolder(id).name();
        current.sp().destroySharedFolder(id);
        counts.forget(current.admin().email());
        flash.addFlashAttribute("notice", "Destroyed the folder \u201c" + name + "\u201d.");
        return "redirect:/folders";
    }

    static String memberPath(String sid, String email) {
        return "/folders/" + sid + "/members/" + UriUtils.encodePathSegment(email, java.nio.charset.StandardCharsets.UTF_8);
    }
}
