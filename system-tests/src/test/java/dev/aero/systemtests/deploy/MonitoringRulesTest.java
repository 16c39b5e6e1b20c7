package dev.aero.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and Prometheus configuration under deploy/monitoring, checked by Prometheus's
 * own tool: {@code promtool} from Debian's {@code prometheus} package, which {@code ./aero test}
 * installs and names in {@code AERO_TEST_PROMTOOL}.
 */
class MonitoringRulesTest {

    private static Path monitoring;
    private static String promtool;

    @BeforeAll
    static void findPromtool() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("aero"))) {
            root = root.getParent();
        }
        assertThat(root).as("repository root").isNotNull();
        monitoring = root.resolve("deploy/monitoring");
        promtool = System.getenv("AERO_TEST_PROMTOOL");
        if (promtool == null || promtool.isBlank()) {
            String why = "no promtool (./aero test installs Debian's prometheus package and says where)";
            if ("true".equalsIgnoreCase(System.getenv("CI")) || "true".equalsIgnoreCase(System.getenv("AERO_TEST_REQUIRE_SERVICES"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(monitoring.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    void theAlertRulesAreValid() throws Exception {
        assertThat(promtool("check", "rules", "rules/aero.rules.yml")).contains("SUCCESS: 9 rules found");
    }

    @Test
    void thePrometheusConfigurationIsValidAndLoadsTheRules() throws Exception {
        assertThat(promtool("check", "config", "prometheus.yml")).contains("SUCCESS: 9 rules found");
    }

    @Test
    void theServiceDownDeadLetterHealthCaExpiryAndDiskAlertsFireOnSampleSeries() throws Exception {
        assertThat(promtool("test", "rules", "tests/aero.rules.test.yml")).contains("SUCCESS");
    }
}
