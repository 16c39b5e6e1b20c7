package dev.aero.systemtests.e2e;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * The end-to-end scenarios ({@link FirstScenario}) against the platform the launcher runs
 * natively: {@code ./aero up --native} as a named instance of its own, every port shifted by
 * {@value LauncherInstance#OFFSET}.
 */
class FirstScenarioTest extends FirstScenario {

    @BeforeAll
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    static void startPlatform() throws Exception {
        begin(new LauncherInstance(LauncherInstance.repositoryRoot(), Path.of("target", "e2e", "launcher.log").toAbsolutePath()));
    }
}
