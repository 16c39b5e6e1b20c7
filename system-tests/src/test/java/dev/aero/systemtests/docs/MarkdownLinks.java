package dev.aero.systemtests.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The links of the repository's Markdown files, checked the way a reader of the repository
 * (on disk or on a Git host) follows them: a relative link must stay inside the repository and
 * name a file or folder that exists, and a {@code #fragment} into a Markdown file must name one
 * of its headings (GitHub's slugs) or an explicit anchor. Links with a scheme ({@code https:},
 * {@code mailto:}) are not fetched. Code blocks and inline code are not read for links.
 */
final class MarkdownLinks {

    /** {@code [text](target "title")} and {@code ![alt](target)}; the target up to whitespace or ')'. */
    private static final Pattern INLINE = Pattern.compile("!?\\[(?:[^\\]\\\\]|\\\\.)*]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target} reference definitions. */
    private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "node_modules", "target", ".mvn");

    private final Path root;
    private final Map<Path, Set<String>> anchors = new HashMap<>();

    MarkdownLinks(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** One broken link: where it is and what is wrong with it. */
    record Broken(Path file, int line, String target, String why) {
        @Override
        public String toString() {
            return file + ":" + line + ": (" + target + ") " + why;
        }
    }

    List<Path> markdownFiles() {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && SKIPPED_DIRECTORIES.contains(dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (file.getFileName().toString().endsWith(".md")) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(null);
        return files;
    }

    List<Broken> check() {
        List<Broken> broken = new ArrayList<>();
        for (Path file : markdownFiles()) {
            broken.addAll(check(file));
        }
        return broken;
    }

    List<Broken> check(Path file) {
        List<Broken> broken = new ArrayList<>();
        List<String> lines = read(file);
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            String text = line.replaceAll("`[^`]*`", "");
            List<String> targets = new ArrayList<>();
            Matcher inline = INLINE.matcher(text);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher reference = REFERENCE.matcher(text);
            if (reference.matches()) {
                targets.add(reference.group(1));
            }
            for (String target : targets) {
                String why = problem(file, target);
                if (why != null) {
                    broken.add(new Broken(root.relativize(file), i + 1, target, why));
                }
            }
        }
        return broken;
    }

    /** Why {@code target}, linked from {@code file}, is broken; null when it is fine. */
    private String problem(Path file, String target) {
        if (target.isEmpty()) {
            return "empty link";
        }
        if (SCHEME.matcher(target).find() || target.startsWith("//")) {
            return null;
        }
        int hash = target.indexOf('#');
        String pathPart = hash < 0 ? target : target.substring(0, hash);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        int query = pathPart.indexOf('?');
        if (query >= 0) {
            pathPart = pathPart.substring(0, query);
        }
        Path resolved;
        if (pathPart.isEmpty()) {
            resolved = file;
        } else if (pathPart.startsWith("/")) {
            return "absolute path: link relative to the file instead";
        } else {
            resolved = file.getParent().resolve(URLDecoder.decode(pathPart, StandardCharsets.UTF_8)).normalize();
        }
        if (!resolved.startsWith(root)) {
            return "points outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file or folder: " + root.relativize(resolved);
        }
        if (fragment != null && !fragment.isEmpty() && resolved.toString().endsWith(".md")
                && !anchorsOf(resolved).contains(URLDecoder.decode(fragment, StandardCharsets.UTF_8))) {
            return "no heading or anchor #" + fragment + " in " + root.relativize(resolved);
        }
        return null;
    }

    /** The fragments a Markdown file answers to: its headings' GitHub slugs and its explicit anchors. */
    Set<String> anchorsOf(Path file) {
        return anchors.computeIfAbsent(file, f -> {
            Set<String> found = new LinkedHashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            boolean fenced = false;
            for (String line : read(f)) {
                if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced) {
                    continue;
                }
                Matcher html = HTML_ANCHOR.matcher(line);
                while (html.find()) {
                    found.add(html.group(1));
                }
                Matcher heading = HEADING.matcher(line);
                if (heading.matches()) {
                    String slug = slug(heading.group(2));
                    int n = seen.merge(slug, 1, Integer::sum) - 1;
                    found.add(n == 0 ? slug : slug + "-" + n);
                }
            }
            return found;
        });
    }

    /**
     * GitHub's heading slug: the text as rendered (links and emphasis reduced to their words),
     * lower-cased, with every character but letters, digits, spaces, '-' and '_' dropped, and
     * spaces turned into '-'.
     */
    static String slug(String heading) {
        // Code spans keep their text as written; outside them, links keep their words and HTML tags go.
        String[] parts = heading.split("`", -1);
        StringBuilder rendered = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            rendered.append(i % 2 == 1 ? parts[i]
                    : parts[i].replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", ""));
        }
        String text = rendered.toString().toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
            } else if (c == ' ') {
                slug.append('-');
            }
        });
        return slug.toString();
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
