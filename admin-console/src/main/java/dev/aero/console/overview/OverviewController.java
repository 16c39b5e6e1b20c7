package dev.aero.console.overview;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import dev.aero.console.platform.PlatformReader;
import dev.aero.console.web.CurrentAdmin;

/** The overview: every service's health and the organization's figures, refreshed live. */
@Controller
public class OverviewController {

    private final CurrentAdmin current;
    private final OrganizationCounts counts;
    private final PlatformReader platform;

    public OverviewController(CurrentAdmin current, OrganizationCounts counts, PlatformReader platform) {
        this.current = current;
        this.counts = counts;
        this.platform = platform;
    }

    @GetMapping("/")
    String overview(Model model) {
        fill(model);
        model.addAttribute("organization", current.sp().organization());
        return "overview";
    }

    /** The live part of the overview (polled by the page). */
    @GetMapping("/live/overview")
    String live(Model model) {
        fill(model);
        return "overview :: live";
    }

    private void fill(Model model) {
        model.addAttribute("nav", "overview");
        model.addAttribute("counts", counts.of(current.admin().email(), current.sp()));
        model.addAttribute("health", platform.health());
        model.addAttribute("figures", platform.figures());
    }
}
