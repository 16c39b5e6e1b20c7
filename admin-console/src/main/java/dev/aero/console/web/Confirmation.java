package dev.aero.console.web;

import java.util.Map;

import org.springframework.ui.Model;

/**
 * A destructive action's confirmation page: it names what will happen ("Unlink and wipe Alice's
 * laptop"), and its one form posts the action; Cancel goes back. A page of its own rather than a
 * script dialog: it works with the keyboard and without scripts, and under a strict CSP.
 *
 * @param title the question, naming the thing
 * @param consequence what follows, in a sentence or two
 * @param action where the form posts
 * @param button the button's words (the action again)
 * @param fields hidden fields the action needs
 * @param cancel where Cancel goes
 */
public record Confirmation(String title, String consequence, String action, String button, Map<String, String> fields,
                           String cancel) {

    public String show(Model model) {
        model.addAttribute("confirmation", this);
        return "confirm";
    }
}
