package dev.aero.console.users;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriUtils;

import dev.aero.client.sp.Invitation;
import dev.aero.client.sp.Member;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.UserID;
import dev.aero.console.overview.OrganizationCounts;
import dev.aero.console.web.Confirmation;
import dev.aero.console.web.CurrentAdmin;
import dev.aero.console.web.FormRefusals;
import dev.aero.console.web.People;

/** Members: search, invite, change role, deactivate (with or without erasing devices), and one member's devices and folders. */
@Controller
public class UsersController {

    private final CurrentAdmin current;
    private final OrganizationCounts counts;
    private final MemberFolders folders;
    private final People people;

    public UsersController(CurrentAdmin current, OrganizationCounts counts, MemberFolders folders, People people) {
        this.current = current;
        this.counts = counts;
        this.folders = folders;
        this.people = people;
    }

    @GetMapping("/users")
    String users(@RequestParam(defaultValue = "") String q, Model model) {
        model.addAttribute("nav", "users");
        model.addAttribute("q", q);
        String needle = q.strip().toLowerCase(Locale.ROOT);
        List<Member> members = current.sp().members().stream()
                .filter(m -> needle.isEmpty() || (m.userId() + " " + people.name(m)).toLowerCase(Locale.ROOT).contains(needle)).toList();
        model.addAttribute("members", members);
        if (!model.containsAttribute("inviteEmail")) {
            model.addAttribute("inviteEmail", "");
        }
        return "users";
    }

    @PostMapping("/users/invitations")
    String invite(@RequestParam(defaultValue = "") String email, Model model, RedirectAttributes flash) {
        String address = email.strip();
        String error = null;
        if (address.isEmpty()) {
            error = "Enter the e-mail address to invite.";
        } else {
            try {
                UserID.of(address);
            } catch (RuntimeException e) {
                error = "Not an e-mail address.";
            }
        }
        if (error == null) {
            try {
                Invitation invitation = current.sp().invite(address);
                flash.addFlashAttribute("notice", "Invited " + invitation.email() + ". Invitation code (also mailed): "
                        + invitation.invitationCode());
                return "redirect:/users";
            } catch (SpApiException e) {
                error = FormRefusals.message(e, "SP refused the invitation.");
            }
        }
        model.addAttribute("inviteEmail", email);
        model.addAttribute("inviteError", error);
        return users("", model);
    }

    @GetMapping("/users/{email}")
    String user(@PathVariable String email, Model model) {
        model.addAttribute("nav", "users");
        SpClient sp = current.sp();
        Member member = find(sp, email);
        model.addAttribute("member", member);
        model.addAttribute("memberName", people.name(member));
        model.addAttribute("devices", sp.organizationDevices(null, member.userId(), 1000).devices());
        model.addAttribute("folders", folders.of(sp, member.userId().toString()));
        return "user";
    }

    @PostMapping("/users/{email}/role")
    String role(@PathVariable String email, @RequestParam(defaultValue = "") String role, RedirectAttributes flash) {
        if (!List.of("ADMIN", "USER").contains(role)) {
            flash.addFlashAttribute("failure", "Choose a role: ADMIN or USER.");
            return "redirect:" + userPath(email);
        }
        try {
            current.sp().setRole(email, role);
            flash.addFlashAttribute("notice", email + " is now " + (role.equals("ADMIN") ? "an admin." : "a user."));
        } catch (SpApiException e) {
            flash.addFlashAttribute("failure", FormRefusals.message(e, "SP refused the change."));
        }
        return "redirect:" + userPath(email);
    }

    @GetMapping("/users/{email}/deactivate")
    String confirmDeactivate(@PathVariable String email, @RequestParam(defaultValue = "false") boolean erase, Model model) {
        Member member = find(current.sp(), email);
        String who = people.name(member).isEmpty() ? member.userId().toString() : people.name(member) + " (" + member.userId() + ")";
        String title = (erase ? "Deactivate " + who + " and erase their devices?" : "Deactivate " + who + "?");
        String consequence = erase
                ? "They can no longer sign in, every session ends, every device is unlinked and told to delete its synced files."
                : "They can no longer sign in, every session ends and every device is unlinked; files stay on the devices.";
        return new Confirmation(title, consequence, userPath(email) + "/deactivate", erase ? "Deactivate and erase devices" : "Deactivate",
                Map.of("erase", String.valueOf(erase)), userPath(email)).show(model);
    }

    @PostMapping("/users/{email}/deactivate")
    String deactivate(@PathVariable String email, @RequestParam(defaultValue = "false") boolean erase, RedirectAttributes flash) {
        try {
            current.sp().deactivate(email, erase);
            counts.forget(current.admin().email());
            flash.addFlashAttribute("notice", "Deactivated " + email + (erase ? "; their devices are told to erase." : "."));
        } catch (SpApiException e) {
            flash.addFlashAttribute("failure", FormRefusals.message(e, "SP refused the deactivation."));
        }
        return "redirect:" + userPath(email);
    }

    private static Member find(SpClient sp, String email) {
        return sp.members().stream().filter(m -> m.userId().toString().equalsIgnoreCase(email)).findFirst()
                .orElseThrow(() -> new SpApiException(404, null, "Not found", "No member " + email + " in this organization.", Map.of()));
    }

    static String userPath(String email) {
        return "/users/" + UriUtils.encodePathSegment(email, java.nio.charset.StandardCharsets.UTF_8);
    }
}
