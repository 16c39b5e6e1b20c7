package dev.aero.common.web.apidoc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.server.PathContainer;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.UniqueId;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ServiceAuthInterceptor;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.oas.models.servers.ServerVariables;
import jakarta.validation.Valid;

/**
 * The OpenAPI document every service of the platform serves (springdoc), made the same way
 * everywhere: the platform's title, version and license; the three ways a caller authenticates
 * as security schemes, each operation naming the one it needs (public ones an explicit empty
 * list); every problem+json answer an operation can give, by status, with its problem types;
 * no framework paths. Handlers declare their own problems with {@link ProblemResponse}; what
 * follows from their parameters (a body, an identifier) and from their authentication is added
 * here.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OpenApiCustomizer.class)
@EnableConfigurationProperties(ApiDocsProperties.class)
public class ApiDocsAutoConfiguration {

    static final String PROBLEM_SCHEMA = "Problem";
    static final String PROBLEM_MEDIA_TYPE = "application/problem+json";
    /** The problem types a response can carry, as full URIs: for generated clients. */
    static final String PROBLEM_TYPES_EXTENSION = "x-problem-types";
    private static final String OPERATION_PROBLEMS = "x-aero-problems";

    @Bean
    @ConditionalOnMissingBean
    OpenAPI aeroOpenApi(ApiDocsProperties settings) {
        OpenAPI api = new OpenAPI(SpecVersion.V31).openapi("3.1.0")
                .info(new Info().title(settings.title()).version(buildVersion()).description(settings.description())
                        .license(new License().name("Apache-2.0").identifier("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes(ApiSecuritySchemes.BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("A session token from SP's `POST /api/v1/sessions`, "
                                        + "sent as `Authorization: Bearer <token>`."))
                        .addSecuritySchemes(ApiSecuritySchemes.DEVICE_CERTIFICATE, new SecurityScheme()
                                .type(SecurityScheme.Type.MUTUALTLS).description("The device's client certificate, issued "
                                        + "by the platform CA (CN = device id), presented in the TLS handshake on the "
                                        + "service's device HTTPS port, or forwarded by a trusted TLS-terminating proxy."))
                        .addSecuritySchemes(ApiSecuritySchemes.SERVICE_SECRET, new SecurityScheme()
                                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name("Authorization")
                                .description("Platform services only: `Authorization: Aero-Service-Shared-Secret "
                                        + "<service name> <deployment secret>`.")));
        settings.servers().forEach(s -> {
            Server server = new Server().url(s.url()).description(s.description());
            if (s.url().contains("{host}")) {
                server.variables(new ServerVariables().addServerVariable("host", new ServerVariable()._default("127.0.0.1")
                        .description("the host name or address the service is reached at")));
            }
            api.addServersItem(server);
        });
        return api;
    }

    /**
     * The services write JSON in snake_case (Spring's Jackson); the document's schemas must name
     * the members the same way, or a generated client would send names the service ignores.
     * springdoc reads types with its own (Jackson 2) mapper, so it is told the naming here.
     */
    @Bean
    @ConditionalOnProperty(name = "spring.jackson.property-naming-strategy", havingValue = "SNAKE_CASE")
    ModelResolver aeroSnakeCaseSchemas() {
        return new ModelResolver(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
    }

    /** Problems that follow from a handler's parameters and its authentication, plus its own {@link ProblemResponse}s. */
    @Bean
    OperationCustomizer aeroOperationProblems(ObjectProvider<OperationAuthentication> authentications,
            ObjectProvider<OperationProblems> kinds) {
        return (operation, handler) -> {
            List<DocumentedProblem> problems = new ArrayList<>();
            for (MethodParameter parameter : handler.getMethodParameters()) {
                Class<?> type = parameter.getParameterType();
                if (parameter.hasParameterAnnotation(RequestBody.class)) {
                    problems.add(new DocumentedProblem(400, "malformed-request",
                            "the body is not JSON of the expected shape (the detail says where)"));
                    problems.add(new DocumentedProblem(413, "payload-too-large", "the body is larger than the service accepts"));
                    if (parameter.hasParameterAnnotation(Valid.class) || parameter.hasParameterAnnotation(Validated.class)) {
                        problems.add(new DocumentedProblem(400, "validation",
                                "a field breaks a constraint; `errors` lists each field and why"));
                    }
                    if (type.isRecord() && holdsIdentifier(type)) {
                        problems.add(invalidIdentifier());
                    }
                } else if (parameter.hasParameterAnnotation(PathVariable.class)
                        || parameter.hasParameterAnnotation(RequestParam.class)) {
                    problems.add(new DocumentedProblem(400, "malformed-request", "a parameter has the wrong format"));
                    if (isIdentifier(type)) {
                        problems.add(invalidIdentifier());
                    }
                    if (constrained(parameter)) {
                        problems.add(new DocumentedProblem(400, "validation",
                                "a parameter breaks a constraint; `errors` lists each and why"));
                    }
                }
            }
            for (OperationAuthentication authentication : authentications.orderedStream().toList()) {
                var scheme = authentication.of(handler);
                if (scheme.isPresent()) {
                    operation.setSecurity(List.of(new SecurityRequirement().addList(scheme.get().name())));
                    problems.addAll(scheme.get().refusals());
                    break;
                }
            }
            kinds.orderedStream().forEach(k -> problems.addAll(k.of(handler)));
            AnnotatedElementUtils.findMergedRepeatableAnnotations(handler.getBeanType(), ProblemResponse.class)
                    .forEach(p -> problems.add(DocumentedProblem.of(p)));
            AnnotatedElementUtils.findMergedRepeatableAnnotations(handler.getMethod(), ProblemResponse.class)
                    .forEach(p -> problems.add(DocumentedProblem.of(p)));
            // Kept on the operation until the whole document is seen (paths decide service authentication).
            operation.addExtension(OPERATION_PROBLEMS, problems);
            return operation;
        };
    }

    /**
     * The last word on every operation: service authentication where a {@link ServiceAuthInterceptor}
     * guards the path, explicit "no authentication" elsewhere, problem responses in place of what
     * springdoc guessed from the exception handlers, and no framework paths.
     */
    @Bean
    OpenApiCustomizer aeroApiDocument(ObjectProvider<ServiceAuthInterceptor.Paths> servicePaths) {
        return api -> {
            api.getPaths().remove("/error");
            // springdoc's own schema for ProblemDetail is replaced by one naming the members we send.
            api.getComponents().getSchemas().remove("ProblemDetail");
            api.getComponents().addSchemas(PROBLEM_SCHEMA, problemSchema());
            List<ServiceAuthInterceptor.Paths> guarded = servicePaths.orderedStream().toList();
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                List<DocumentedProblem> problems = takeProblems(operation);
                if (operation.getSecurity() == null || operation.getSecurity().isEmpty()) {
                    if (guarded.stream().anyMatch(g -> g.guards(concrete(path)))) {
                        operation.setSecurity(List.of(new SecurityRequirement().addList(ApiSecuritySchemes.SERVICE_SECRET)));
                        problems.addAll(ApiSecuritySchemes.SERVICE_SECRET_PROBLEMS);
                    } else {
                        operation.setSecurity(new ArrayList<>());
                    }
                }
                operation.setResponses(withProblems(operation.getResponses(), problems));
            }));
            // A service names only the ways its own callers authenticate.
            java.util.Set<String> used = new java.util.HashSet<>();
            api.getPaths().values().forEach(item -> item.readOperations().forEach(op ->
                    op.getSecurity().forEach(requirement -> used.addAll(requirement.keySet()))));
            api.getComponents().getSecuritySchemes().keySet().retainAll(used);
        };
    }

    private static List<DocumentedProblem> takeProblems(Operation operation) {
        Map<String, Object> extensions = operation.getExtensions();
        Object problems = extensions == null ? null : extensions.remove(OPERATION_PROBLEMS);
        if (extensions != null && extensions.isEmpty()) {
            operation.setExtensions(null);
        }
        List<DocumentedProblem> list = new ArrayList<>();
        if (problems instanceof List<?> l) {
            l.forEach(p -> list.add((DocumentedProblem) p));
        }
        return list;
    }

    /** The 1xx-3xx responses springdoc found, then one problem response per status, types in declaration order. */
    private static ApiResponses withProblems(ApiResponses found, List<DocumentedProblem> problems) {
        ApiResponses responses = new ApiResponses();
        if (found != null) {
            found.forEach((code, response) -> {
                if (!code.startsWith("4") && !code.startsWith("5") && !code.equals("default")) {
                    responses.addApiResponse(code, response);
                }
            });
        }
        Map<Integer, Map<String, String>> byStatus = new TreeMap<>();
        for (DocumentedProblem p : problems) {
            byStatus.computeIfAbsent(p.status(), s -> new LinkedHashMap<>()).putIfAbsent(p.type(), p.when());
        }
        byStatus.forEach((status, types) -> {
            StringBuilder description = new StringBuilder("Problem types (`urn:aero:problem:<slug>`):\n");
            types.forEach((type, when) -> description.append("\n- `").append(type).append("`: ").append(when));
            ApiResponse response = new ApiResponse().description(description.toString())
                    .content(new Content().addMediaType(PROBLEM_MEDIA_TYPE,
                            new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM_SCHEMA))));
            response.addExtension(PROBLEM_TYPES_EXTENSION,
                    types.keySet().stream().map(t -> "urn:aero:problem:" + t).toList());
            responses.addApiResponse(Integer.toString(status), response);
        });
        return responses;
    }

    /** A path template with each {variable} as one literal segment, for matching against path patterns. */
    private static PathContainer concrete(String template) {
        return PathContainer.parsePath(template.replaceAll("\\{[^/}]+}", "x"));
    }

    private static DocumentedProblem invalidIdentifier() {
        return new DocumentedProblem(400, "invalid-identifier",
                "a device, store, user or organization id does not parse; the detail names the value");
    }

    private static boolean constrained(MethodParameter parameter) {
        for (java.lang.annotation.Annotation a : parameter.getParameterAnnotations()) {
            if (a.annotationType().getPackageName().equals("jakarta.validation.constraints")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isIdentifier(Class<?> type) {
        return UniqueId.class.isAssignableFrom(type) || type == UserID.class || type == OrgID.class;
    }

    private static boolean holdsIdentifier(Class<?> record) {
        for (RecordComponent component : record.getRecordComponents()) {
            if (isIdentifier(component.getType())) {
                return true;
            }
        }
        return false;
    }

    private static Schema<?> problemSchema() {
        ObjectSchema fieldError = new ObjectSchema();
        fieldError.addProperty("field", new StringSchema().description("the field or parameter, e.g. `device_name`"));
        fieldError.addProperty("message", new StringSchema());
        Schema<?> problem = new ObjectSchema()
                .description("An error (RFC 9457). Clients switch on `type`; `title` and `detail` are for people.")
                .addProperty("type", new StringSchema().format("uri").description("`urn:aero:problem:<slug>`")
                        .example("urn:aero:problem:not-found"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema().format("int32"))
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri-reference"))
                .addProperty("errors", new ArraySchema().items(fieldError)
                        .description("`validation` only: each field that breaks a constraint"))
                .addProperty("incident", new StringSchema().description("`internal-error` only: the id in the service's log"))
                .addProperty("retry_after", new IntegerSchema().format("int64")
                        .description("`rate-limited` only: seconds until a retry can succeed"));
        problem.setRequired(List.of("type", "status"));
        return problem;
    }

    static String buildVersion() {
        try (InputStream in = ApiDocsAutoConfiguration.class.getResourceAsStream("/dev/aero/common/build.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
