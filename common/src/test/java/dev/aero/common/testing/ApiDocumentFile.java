package dev.aero.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document a service serves, held against its committed copy in
 * {@code docs/openapi/<service>.json}, so a reader of the repository sees the API without
 * running anything and a change to the API shows in review. With the system property
 * {@value #WRITE} set to {@code true} ({@code ./aero openapi}) the file is written instead.
 */
public final class ApiDocumentFile {

    /** System property: write the served document to the repository instead of comparing. */
    public static final String WRITE = "aero.openapi.write";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ApiDocumentFile() {
    }

    /** Compares (or writes) {@code served}, the body of the service's OpenAPI endpoint. */
    public static void check(String service, String served) {
        Path file = repositoryRoot().resolve("docs/openapi/" + service + ".json");
        String canonical = canonical(served);
        try {
            if (Boolean.getBoolean(WRITE)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, canonical, StandardCharsets.UTF_8);
                return;
            }
            String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            assertThat(canonical)
                    .as("%s differs from the OpenAPI document %s serves. If the API change is intended, run "
                            + "`./aero openapi` and commit the file.", repositoryRoot().relativize(file), service)
                    .isEqualTo(committed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sorted keys, two-space indentation, one trailing newline: stable across runs and JVMs. */
    static String canonical(String json) {
        JsonNode tree = JSON.readTree(json);
        Object sorted = JSON.treeToValue(tree, Object.class);
        return JSON.writeValueAsString(sorted) + "\n";
    }

    /** The checkout's root: the nearest directory above the working directory holding {@code mvnw} and {@code docs/}. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("docs"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (mvnw and docs/) above " + dir);
    }
}
