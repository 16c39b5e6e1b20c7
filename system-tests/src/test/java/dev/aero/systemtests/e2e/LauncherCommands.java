package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the project's launcher ({@code ./aero}) for a platform the tests start, natively or under
 * compose: its output appended to a log, bounded in time, its environment set by the caller.
 */
final class LauncherCommands {

    private LauncherCommands() {
    }

    /** Runs {@code command} from the repository root; fails with its output's tail when it fails or overruns. */
    static void exec(Path root, Path log, Consumer<Map<String, String>> environment, int timeoutSeconds, List<String> command)
            throws IOException, InterruptedException {
        Outcome outcome = outcome(root, log, environment, timeoutSeconds, command);
        if (outcome.exit() != 0) {
            List<String> lines = outcome.output().lines().toList();
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + outcome.exit() + "): "
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        }
    }

    /** What a command answered: its exit code and output. */
    record Outcome(int exit, String output) { }

    /**
     * Runs {@code command} from the repository root, its output appended to the log as it comes,
     * and hands back its exit code and that output, failing only when it overruns: the caller
     * judges the outcome.
     */
    static Outcome outcome(Path root, Path log, Consumer<Map<String, String>> environment, int timeoutSeconds, List<String> command)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, "\n$ " + String.join(" ", command) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long start = Files.size(log);
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        environment.accept(builder.environment());
        Process p = builder.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " took over " + timeoutSeconds + " s; see " + log);
        }
        try (FileChannel channel = FileChannel.open(log)) {
            channel.position(start);
            return new Outcome(p.exitValue(), new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * The first-run setup token, as an operator gets it: {@code ./aero setup-token}. Fails once
     * the first admin has signed up (the token is used up then).
     */
    static String setupToken(Path root, Path log, Consumer<Map<String, String>> environment) throws IOException, InterruptedException {
        Path out = log.resolveSibling(log.getFileName() + ".setup-token");
        Files.deleteIfExists(out);
        exec(root, log, environment, 120,
                List.of("bash", "-c", "bash \"$0\" setup-token > \"$1\"", root.resolve("aero").toString(), out.toString()));
        String token = Files.readString(out).strip();
        Files.delete(out);
        return token;
    }

    /** The value of {@code name} in an env file ({@code NAME=value} lines), as the launcher and compose read it. */
    static String envValue(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(name + "=")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        throw new IllegalStateException("no " + name + " in " + file);
    }
}
