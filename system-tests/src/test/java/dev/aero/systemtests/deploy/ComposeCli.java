package dev.aero.systemtests.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code docker-compose ... config} against deploy/docker-compose.yml. That
 * command only reads and interpolates the files, so it needs no Docker engine.
 */
final class ComposeCli {

    static final String COMPOSE_FILE = "deploy/docker-compose.yml";
    static final String EXAMPLE_ENV_FILE = "deploy/.env.example";

    private static final String BINARY = "docker-compose";
    private static final long TIMEOUT_SECONDS = 60;

    private final Path binary;
    private final Path repoRoot;

    private ComposeCli(Path binary, Path repoRoot) {
        this.binary = binary;
        this.repoRoot = repoRoot;
    }

    /**
     * Finds docker-compose on PATH. When it is missing the calling test is
     * skipped, or fails where services are required (CI, or
     * AERO_TEST_REQUIRE_SERVICES=true), since ./aero test installs it there.
     */
    static ComposeCli locate(Path repoRoot) {
        Optional<Path> found = findOnPath(BINARY);
        if (found.isEmpty()) {
            String message = BINARY + " is not on PATH; `./aero test` installs it"
                    + " (Debian package docker-compose), or install it yourself to run this check.";
            if (servicesRequired()) {
                fail(message + " This run requires it (CI=true or AERO_TEST_REQUIRE_SERVICES=true).");
            }
            Assumptions.abort(message);
        }
        return new ComposeCli(found.get(), repoRoot);
    }

    static boolean servicesRequired() {
        return "true".equalsIgnoreCase(System.getenv("CI"))
                || "true".equalsIgnoreCase(System.getenv("AERO_TEST_REQUIRE_SERVICES"));
    }

    private static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code docker-compose -f deploy/docker-compose.yml --env-file <envFile> config}. */
    Result config(Path envFile) {
        return run(List.of(binary.toString(),
                "-f", repoRoot.resolve(COMPOSE_FILE).toString(),
                "--env-file", envFile.toString(),
                "config"));
    }

    private Result run(List<String> command) {
        Path stdout = null;
        Path stderr = null;
        try {
            stdout = Files.createTempFile("compose-config", ".out");
            stderr = Files.createTempFile("compose-config", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(repoRoot.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            // Variables of the test's own environment would override the env
            // file; the result must depend on the env file alone.
            builder.environment().keySet().removeIf(key -> key.startsWith("AERO_") || key.startsWith("COMPOSE_"));
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(),
                    Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stderr ---\n" + stderr + "\n--- stdout ---\n" + stdout;
        }
    }
}
