package dev.aero.common.testing;

import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.TestExecutionListener;

/**
 * After a {@link RealServices} Spring test class, closes its application context (no other
 * class can use it: its schema is about to go) and then releases the class's schema and Redis
 * index. Doing it here rather than in the JUnit extension lets Spring close its own context.
 */
public final class RealServicesTestExecutionListener implements TestExecutionListener, Ordered {

    @Override
    public void afterTestClass(TestContext testContext) {
        Class<?> testClass = testContext.getTestClass();
        if (TestContextAnnotationUtils.findMergedAnnotation(testClass, RealServices.class) == null) {
            return;
        }
        if (testContext.hasApplicationContext()) {
            testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
        }
        TestServices.release(testClass);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
