package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every benchmark under {@code bench/} runs in its quick mode ({@code QUICK=1}) from this
 * checkout, as a user runs it after the README's two commands: it ends with exit 0 and writes
 * its results, each file naming the commit. The figures of a quick run are not compared with
 * anything (the machine is busy with the suite, and two runners run at once); what is checked is
 * that the benchmark runs. {@code AERO_TEST_BENCHMARKS=0} leaves it out of a local run.
 *
 * <p>The runners wait on their own windows and phases more than they compute (one after another
 * they kept 0.7 of one core busy), so they run in two lanes at once, each lane one runner after
 * another. Runners that share something stay in one lane: bench/commands and bench/sp both use
 * Redis database 15; bench/verkehr and bench/zephyr build the Go reference servers into one cache.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
@DisabledIfEnvironmentVariable(named = "AERO_TEST_BENCHMARKS", matches = "0",
        disabledReason = "AERO_TEST_BENCHMARKS=0: the benchmarks' quick runs left out of this local run")
class BenchmarkQuickModeTest {

    private static final Path ROOT = LauncherInstance.repositoryRoot();
    /** The known runners by lane, the longest first; a runner not named here joins the first lane. */
    private static final List<List<String>> LANES = List.of(
            List.of("bench/commands/run.sh", "bench/sp/sharing.sh", "bench/sp/run.sh", "bench/fuzz/run.sh"),
            List.of("bench/xmpp/run.sh", "bench/platform/run.sh", "bench/verkehr/run.sh", "bench/zephyr/run.sh"));
    private static final int RUNNER_TIMEOUT_SECONDS = 840;
    private static final Map<String, CompletableFuture<LauncherCommands.Outcome>> OUTCOMES = new ConcurrentHashMap<>();
    private static Path work;
    private static ExecutorService lanes;

    @BeforeAll
    static void startTheLanes() throws IOException {
        work = Files.createDirectories(ROOT.resolve("system-tests/target/bench-quick"));
        List<String> all = runners().toList();
        List<List<String>> plan = new ArrayList<>();
        LANES.forEach(lane -> plan.add(new ArrayList<>(lane.stream().filter(all::contains).toList())));
        all.stream().filter(runner -> LANES.stream().noneMatch(lane -> lane.contains(runner))).forEach(plan.get(0)::add);
        for (List<String> lane : plan) {
            lane.forEach(runner -> OUTCOMES.put(runner, new CompletableFuture<>()));
        }
        lanes = Executors.newFixedThreadPool(plan.size());
        for (List<String> lane : plan) {
            lanes.execute(() -> {
                for (String runner : lane) {
                    CompletableFuture<LauncherCommands.Outcome> outcome = OUTCOMES.get(runner);
                    try {
                        outcome.complete(run(runner));
                    } catch (Throwable e) {
                        outcome.completeExceptionally(e);
                    }
                }
            });
        }
    }

    @AfterAll
    static void stopTheLanes() throws InterruptedException {
        if (lanes != null) {
            lanes.shutdownNow();
            lanes.awaitTermination(1, TimeUnit.MINUTES);
        }
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

    /** Runs one runner in its quick mode with its own results directory (emptied first) and log. */
    private static LauncherCommands.Outcome run(String runner) throws IOException, InterruptedException {
        Path results = Files.createDirectories(work.resolve(name(runner)));
        try (Stream<Path> old = Files.list(results)) {
            for (Path p : old.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
        return LauncherCommands.outcome(ROOT, work.resolve(name(runner) + ".log"), env -> {
            env.put("QUICK", "1");
            env.put("RESULTS_DIR", results.toString());
        }, RUNNER_TIMEOUT_SECONDS, List.of("bash", runner));
    }

    private static String name(String runner) {
        return runner.replace("bench/", "").replace(".sh", "").replace('/', '-');
    }

    @Test
    void theListCoversTheKnownBenchmarks() throws IOException {
        assertThat(runners().toList()).contains("bench/zephyr/run.sh", "bench/verkehr/run.sh", "bench/commands/run.sh",
                "bench/sp/run.sh", "bench/xmpp/run.sh", "bench/fuzz/run.sh", "bench/sp/sharing.sh");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runners")
    void runsInItsQuickModeAndWritesItsResults(String runner) throws Exception {
        // Its lane runs it (started before the first case); the class's timeout bounds the wait.
        LauncherCommands.Outcome outcome = OUTCOMES.get(runner).get();

        assertThat(outcome.exit()).as("%s exits 0; its output:\n%s", runner, tail(outcome.output())).isZero();
        List<Path> written;
        try (Stream<Path> files = Files.list(work.resolve(name(runner)))) {
            written = files.filter(p -> p.toString().endsWith(".md")).toList();
        }
        assertThat(written).as("%s writes its results", runner).isNotEmpty();
        for (Path file : written) {
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).as("%s names the commit", file)
                    .containsPattern("(?i)(commit|repository):? `?[0-9a-f]{7,}");
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
