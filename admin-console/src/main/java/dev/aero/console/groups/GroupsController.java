package dev.aero.console.groups;

import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriUtils;

import dev.aero.client.sp.Group;
import dev.aero.client.sp.SpApiException;
import dev.aero.console.web.Confirmation;
import dev.aero.console.web.FormRefusals;
import dev.aero.console.web.CurrentAdmin;

/** Groups: create, rename, delete, add and remove members. */
@Controller
public class GroupsController {

    private final CurrentAdmin current;

    public GroupsController(CurrentAdmin current) {
        this.current = current;
    }

    @GetMapping("/groups")
    String groups(Model model) {
        model.addAttribute("nav", "groups");
        model.addAttribute("groups", current.sp().groups());
        if (!model.containsAttribute("groupName")) {
            model.addAttribute("groupName", "");
        }
        return "groups";
    }

    @PostMapping("/groups")
    String create(@RequestParam(defaultValue = "") String name, Model model, RedirectAttributes flash) {
        String wanted = name.strip();
        String error = wanted.isEmpty() ? "A group needs a name." : null;
        if (error == null) {
            try {
                Group group = current.sp().createGroup(wanted);
                flash.addFlashAttribute("notice", "Created the group \u201c" + group.name() + "\u201d.");
                return "redirect:/groups/" + group.groupId();
            } catch (SpApiException e) {
                error = FormRefusals.message(e, "SP refused the name.");
            }
        }
        model.addAttribute("groupName", name);
        model.addAttribute("groupNameError", error);
        return groups(model);
    }

    @GetMapping("/groups/{id}")
    String group(@PathVariable long id, Model model) {
        model.addAttribute("nav", "groups");
        Group group = current.sp().group(id);
        model.addAttribute("group", group);
        if (!model.containsAttribute("name")) {
            model.addAttribute("name", group.name());
        }
        if (!model.containsAttribute("memberEmail")) {
            model.addAttribute("memberEmail", "");
        }
        return "group";
    }

    @PostMapping("/groups/{id}/name")
    String rename(@PathVariable long id, @RequestParam(defaultValue = "") String name, Model model, RedirectAttributes flash) {
        String wanted = name.strip();
        String error = wanted.isEmpty() ? "A group needs a name." : null;
        if (error == null) {
            try {
                current.sp().renameGroup(id, wanted);
                flash.addFlashAttribute("notice", "Renamed to \u201c" + wanted + "\u201d.");
                return "redirect:/groups/" + id;
            } catch (SpApiException e) {
                error = FormRefusals.message(e, "SP refused the name.");
            }
        }
        model.addAttribute("name", name);
        model.addAttribute("nameError", error);
        return group(id, model);
    }

    @PostMapping("/groups/{id}/members")
    String addMember(@PathVariable long id, @RequestParam(defaultValue = "") String email, Model model, RedirectAttributes flash) {
        String address = email.strip();
        String error = address.isEmpty() ? "Enter a member's e-mail address." : null;
        if (error == null) {
            try {
                current.sp().addGroupMember(id, address);
                flash.addFlashAttribute("notice", "Added " + address + " to the group.");
                return "redirect:/groups/" + id;
            } catch (SpApiException e) {
                error = FormRefusals.message(e, "SP refused the member.");
            }
        }
        model.addAttribute("memberEmail", email);
        model.addAttribute("memberError", error);
        return group(id, model);
    }

    @PostMapping("/groups/{id}/members/{email}/remove")
    String removeMember(@PathVariable long id, @PathVariable String email, RedirectAttributes flash) {
        try {
            current.sp().removeGroupMember(id, email);
            flash.addFlashAttribute("notice", "Removed " + email + " from the group; they keep folders shared with them otherwise.");
        } catch (SpApiException e) {
            flash.addFlashAttribute("failure", FormRefusals.message(e, "SP refused the removal."));
        }
        return "redirect:/groups/" + id;
    }

    @GetMapping("/groups/{id}/members/{email}/remove")
    String confirmRemoveMember(@PathVariable long id, @PathVariable String email, Model model) {
        Group group = current.sp().group(id);
        return new Confirmation("Remove " + email + " from the group \u201c" + group.name() + "\u201d?",
                "They lose the folders they hold only through this group.",
                "/groups/" + id + "/members/" + UriUtils.encodePathSegment(email, java.nio.charset.StandardCharsets.UTF_8) + "/remove",
                "Remove from group", Map.of(), "/groups/" + id).show(model);
    }

    @GetMapping("/groups/{id}/delete")
    String confirmDelete(@PathVariable long id, Model model) {
        Group group = current.sp().group(id);
        return new Confirmation("Delete the group \u201c" + group.name() + "\u201d?",
                "Folders stop being shared with it: its " + group.members().size()
                        + " members lose the folders they hold only through it. This cannot be undone.",
                "/groups/" + id + "/delete", "Delete group", Map.of(), "/groups/" + id).show(model);
    }

    @PostMapping("/groups/{id}/delete")
    String delete(@PathVariable long id, RedirectAttributes flash) {
        String name = current.sp().group(id).name();
        current.sp().deleteGroup(id);
        flash.addFlashAttribute("notice", "Deleted the group \u201c" + name + "\u201d.");
        return "redirect:/groups";
    }
}
