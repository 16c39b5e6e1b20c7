package dev.aero.systemtests.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/** What the test needs to know about the Maven reactor, read from its pom.xml files. */
final class ReactorPoms {

    private static final String BOOT_PLUGIN = "spring-boot-maven-plugin";

    private ReactorPoms() {
    }

    /** A reactor module: its directory name and the artifactIds of its non-test dependencies. */
    record Module(String name, boolean bootApp, Set<String> dependencies) {
        boolean uses(String artifactId) {
            return dependencies.contains(artifactId);
        }
    }

    /** The modules listed in the root pom's {@code <modules>}, in order. */
    static List<Module> modules(Path repoRoot) {
        Element root = parse(repoRoot.resolve("pom.xml"));
        List<Module> modules = new ArrayList<>();
        for (Element list : children(root, "modules")) {
            for (Element module : children(list, "module")) {
                String name = module.getTextContent().trim();
                modules.add(read(name, repoRoot.resolve(name).resolve("pom.xml")));
            }
        }
        return modules;
    }

    /** The modules that build a Spring Boot application (they declare the Boot plugin in build/plugins). */
    static List<Module> bootApps(Path repoRoot) {
        return modules(repoRoot).stream().filter(Module::bootApp).toList();
    }

    private static Module read(String name, Path pom) {
        Element project = parse(pom);
        boolean boot = false;
        for (Element build : children(project, "build")) {
            for (Element plugins : children(build, "plugins")) {
                for (Element plugin : children(plugins, "plugin")) {
                    if (BOOT_PLUGIN.equals(text(plugin, "artifactId"))) {
                        boot = true;
                    }
                }
            }
        }
        Set<String> dependencies = new LinkedHashSet<>();
        for (Element list : children(project, "dependencies")) {
            for (Element dependency : children(list, "dependency")) {
                if (!"test".equals(text(dependency, "scope"))) {
                    dependencies.add(text(dependency, "artifactId"));
                }
            }
        }
        return new Module(name, boot, Set.copyOf(dependencies));
    }

    private static Element parse(Path pom) {
        if (!Files.isRegularFile(pom)) {
            throw new IllegalStateException("no pom at " + pom);
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setNamespaceAware(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            Document document = builder.parse(pom.toFile());
            return document.getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalStateException("cannot read " + pom, e);
        }
    }

    /** Direct child elements with the given name (not descendants, so pluginManagement is not mixed in). */
    private static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && name.equals(element.getTagName())) {
                result.add(element);
            }
        }
        return result;
    }

    private static String text(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0).getTextContent().trim();
    }
}
