package dev.aero.systemtests.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aero.common.testing.ApiDocumentFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The repository's documentation holds: every Markdown link resolves inside the repository,
 * and every committed OpenAPI document (each service's test checks it is the one the service
 * serves) passes Redocly's recommended rules with no error and no warning.
 */
class DocumentationTest {

    private static final Path ROOT = ApiDocumentFile.repositoryRoot();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> SERVICES = List.of("sp-service", "verkehr-push", "command-server", "devman");

    @Test
    void everyMarkdownLinkResolvesInsideTheRepository() {
        MarkdownLinks links = new MarkdownLinks(ROOT);
        assertThat(links.markdownFiles()).as("Markdown files found").contains(ROOT.resolve("README.md"),
                ROOT.resolve("docs/architecture.md"), ROOT.resolve("docs/protocols/ssmp.md"));
        List<MarkdownLinks.Broken> broken = links.check();
        assertThat(broken).as("broken links in the repository's Markdown (link only to files inside it)").isEmpty();
    }

    @Test
    void theLinkCheckSeesWhatIsBroken(@TempDir Path repo) throws IOException {
        Files.createDirectories(repo.resolve("docs"));
        Files.writeString(repo.resolve("docs/a.md"), """
                # Title
                ## Error codes (SSMP)
                See [b](b.md#the-part), [own](#error-codes-ssmp), [gone](missing.md), [out](../../elsewhere.md),
                [bad anchor](#nope), [web](https://example.org/x), `[code](no.md)` and [dir](../docs).
                ```
                [fenced](nothing.md)
                ```
                [ref]: b.md#not-there
                """);
        Files.writeString(repo.resolve("docs/b.md"), "# B\n\n### The part\n");
        List<String> broken = new MarkdownLinks(repo).check().stream()
                .map(b -> b.target() + " " + b.line()).toList();
        assertThat(broken).containsExactly("missing.md 3", "../../elsewhere.md 3", "#nope 4", "b.md#not-there 8");
    }

    @Test
    void headingSlugsAreGitHubs() {
        assertThat(MarkdownLinks.slug("Error codes (SSMP 1.1)")).isEqualTo("error-codes-ssmp-11");
        assertThat(MarkdownLinks.slug("`cmd/<did>`: the device's queue")).isEqualTo("cmddid-the-devices-queue");
        assertThat(MarkdownLinks.slug("[SSMP](ssmp.md) over TLS")).isEqualTo("ssmp-over-tls");
    }

    @Test
    void everyOpenApiDocumentPassesRedoclysRecommendedRules() throws Exception {
        Path redocly = ROOT.resolve("tools/redocly/node_modules/.bin/redocly");
        assertThat(redocly).as("Redocly CLI is not installed: `./aero test` installs it "
                + "(npm ci --prefix tools/redocly)").isExecutable();
        List<String> failures = new ArrayList<>();
        for (String service : SERVICES) {
            Path document = ROOT.resolve("docs/openapi/" + service + ".json");
            assertThat(document).as("docs/openapi/%s.json (written by `./aero openapi`)", service).isRegularFile();
            JsonNode report = lint(redocly, document);
            JsonNode totals = report.get("totals");
            if (totals.get("errors").asInt() != 0 || totals.get("warnings").asInt() != 0) {
                StringBuilder failure = new StringBuilder(service + ": " + totals.get("errors").asInt() + " errors, "
                        + totals.get("warnings").asInt() + " warnings (`" + ROOT.relativize(redocly)
                        + " lint --config docs/openapi/redocly.yaml " + ROOT.relativize(document) + "`)");
                for (JsonNode problem : report.get("problems")) {
                    JsonNode location = problem.path("location").path(0);
                    failure.append("\n  ").append(problem.path("severity").asString()).append(' ')
                            .append(problem.path("ruleId").asString()).append(" at ")
                            .append(location.path("pointer").asString()).append(": ").append(problem.path("message").asString());
                }
                failures.add(failure.toString());
            }
        }
        assertThat(failures).as("OpenAPI documents that Redocly's recommended rules reject").isEmpty();
    }

    /** {@code redocly lint} with the committed configuration: its JSON report (totals and problems). */
    private static JsonNode lint(Path redocly, Path document) throws Exception {
        Path output = Files.createTempFile("redocly", ".json");
        try {
            Process process = new ProcessBuilder(redocly.toString(), "lint", "--config", "docs/openapi/redocly.yaml",
                    "--format", "json", ROOT.relativize(document).toString())
                    .directory(ROOT.toFile())
                    .redirectOutput(output.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("redocly lint finished").isTrue();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            JsonNode report = JSON.readTree(text.substring(text.indexOf('{')));
            assertThat(report.get("totals")).as("redocly's report: %s", text).isNotNull();
            return report;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
