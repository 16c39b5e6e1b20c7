package dev.aero.systemtests.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs deploy/compose/xmpp.sh (the script of the Compose deployment's xmpp-init, ejabberd and
 * xmpp-bridge services) outside a container: with {@code /bin/sh}, its two volumes replaced by
 * directories of the test and owners left alone ({@code AERO_XMPP_SET_OWNERS=no}), so that the
 * files it makes can be checked without Docker.
 */
final class XmppScript {

    static final String SCRIPT = "deploy/compose/xmpp.sh";

    private static final long TIMEOUT_SECONDS = 60;

    private final Path script;
    private final Map<String, String> environment;

    /**
     * @param repoRoot the repository
     * @param environment what the compose file gives the service (its {@code environment}),
     *        plus the directories standing in for the volumes
     */
    XmppScript(Path repoRoot, Map<String, String> environment) {
        this.script = repoRoot.resolve(SCRIPT);
        this.environment = Map.copyOf(environment);
    }

    /** {@code sh deploy/compose/xmpp.sh <command>}. */
    ComposeCli.Result run(String command) {
        List<String> line = new ArrayList<>(List.of("/bin/sh", script.toString(), command));
        try {
            ProcessBuilder builder = new ProcessBuilder(line)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().keySet().removeIf(key -> key.startsWith("AERO_") || key.startsWith("EJABBERD_"));
            builder.environment().putAll(environment);
            builder.environment().put("AERO_XMPP_SET_OWNERS", "no");
            Process process = builder.start();
            // The script says little: reading after the exit cannot block on a full pipe.
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", line) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new ComposeCli.Result(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", line), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", line), e);
        }
    }
}
