package dev.aero.common.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit side of {@link RealServices}: decides whether the class can run, creates its
 * resources before it, hands them to test parameters, and drops them after it. For a Spring
 * test the release is left to {@link RealServicesTestExecutionListener}, which first has Spring
 * close the class's context.
 */
public final class RealServicesExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final String SPRING_EXTENSION = "org.springframework.test.context.junit.jupiter.SpringExtension";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        RealServices wanted = wanted(context);
        if (wanted == null) {
            return ConditionEvaluationResult.enabled("no real services requested");
        }
        try {
            if (wanted.mysql()) {
                TestServices.mysql();
            }
            if (wanted.redis()) {
                TestServices.redis();
            }
            return ConditionEvaluationResult.enabled("real services available");
        } catch (ServiceUnavailableException e) {
            if (TestServices.required() || namedByEnvironment(wanted)) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
            return ConditionEvaluationResult.disabled("skipped, real services missing: " + e.getMessage());
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        RealServices wanted = wanted(context);
        TestServices.resourcesFor(context.getRequiredTestClass(), wanted.mysql(), wanted.redis());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (!usesSpring(testClass)) {
            TestServices.release(testClass);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == TestDatabase.class || type == TestRedis.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        RealServices wanted = wanted(extensionContext);
        if (type == TestDatabase.class && !wanted.mysql()) {
            throw new ExtensionConfigurationException("TestDatabase needs @RealServices(mysql = true)");
        }
        if (type == TestRedis.class && !wanted.redis()) {
            throw new ExtensionConfigurationException("TestRedis needs @RealServices(redis = true)");
        }
        ClassResources resources = TestServices.resourcesFor(extensionContext.getRequiredTestClass(), wanted.mysql(), wanted.redis());
        return type == TestDatabase.class ? resources.database() : resources.redis();
    }

    private static RealServices wanted(ExtensionContext context) {
        return context.getTestClass()
                .flatMap(c -> AnnotationSupport.findAnnotation(c, RealServices.class))
                .orElse(null);
    }

    /** A server someone named explicitly and that does not answer is an error, not a skip. */
    private static boolean namedByEnvironment(RealServices wanted) {
        return (wanted.mysql() && System.getenv(TestServices.MYSQL_URL) != null)
                || (wanted.redis() && System.getenv(TestServices.REDIS_URL) != null);
    }

    private static boolean usesSpring(Class<?> testClass) {
        return AnnotationSupport.findRepeatableAnnotations(testClass, ExtendWith.class).stream()
                .flatMap(e -> java.util.Arrays.stream(e.value()))
                .anyMatch(c -> c.getName().equals(SPRING_EXTENSION));
    }
}
