package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every benchmark under {@code bench/} runs in its quick mode ({@code QUICK=1}) from this
 * checkout, as a user runs it after the README's two commands: it ends with exit 0 and writes
 * its results, each file naming the commit. The figures of a quick run are not compared with
 * anything (the machine is busy with the suite); what is checked is that the benchmark runs.
 * It runs when {@code AERO_TEST_BENCHMARKS=1}: the suite's time has no room for it yet.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@EnabledIfEnvironmentVariable(named = "AERO_TEST_BENCHMARKS", matches = "1",
        disabledReason = "about ten minutes of benchmarks: not yet part of the default suite (AERO_TEST_BENCHMARKS=1 runs it)")
class BenchmarkQuickModeTest {

    private static final Path ROOT = LauncherInstance.repositoryRoot();
    private static Path work;

    @BeforeAll
    static void workDirectory() throws IOException {
        work = Files.createDirectories(ROOT.resolve("system-tests/target/bench-quick"));
    }

    /** Every runner there is, so a new benchmark is covered as soon as it exists. */
    static Stream<String> runners() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(ROOT.resolve("bench"))) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("run.sh"))).map(d -> "bench/" + d.getFileName() + "/run.sh")
                    .sorted().forEach(found::add);
        }
        found.add("bench/sp/sharing.sh");
        return found.stream();
    }

    @Test
    void theListCoversTheKnownBenchmarks() throws IOException {
        assertThat(runners().toList()).contains("bench/zephyr/run.sh", "bench/verkehr/run.sh", "bench/commands/run.sh",
                "bench/sp/run.sh", "bench/xmpp/run.sh", "bench/fuzz/run.sh", "bench/sp/sharing.sh");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void runsInItsQuickModeAndWritesItsResults(String runner) throws Exception {
        String name = runner.replace("bench/", "").replace(".sh", "").replace('/', '-');
        Path results = Files.createDirectories(work.resolve(name));
        try (Stream<Path> old = Files.list(results)) {
            for (Path p : old.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
        Path log = work.resolve(name + ".log");
        LauncherCommands.Outcome outcome = LauncherCommands.outcome(ROOT, log, env -> {
            env.put("QUICK", "1");
            env.put("RESULTS_DIR", results.toString());
        }, 840, List.of("bash", runner));

        assertThat(outcome.exit()).as("%s exits 0; its output:\n%s", runner, tail(outcome.output())).isZero();
        List<Path> written;
        try (Stream<Path> files = Files.list(results)) {
            written = files.filter(p -> p.toString().endsWith(".md")).toList();
        }
        assertThat(written).as("%s writes its results", runner).isNotEmpty();
        for (Path file : written) {
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).as("%s names the commit", file)
                    .containsPattern("(?i)(commit|repository) `?[0-9a-f]{7,}");
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
