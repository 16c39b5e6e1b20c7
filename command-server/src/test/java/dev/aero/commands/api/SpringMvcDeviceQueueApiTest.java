package dev.aero.commands.api;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@link DeviceQueueApiTest} without the fast path: every device request through Spring MVC, answered the same. */
class SpringMvcDeviceQueueApiTest extends DeviceQueueApiTest {

    @DynamicPropertySource
    static void springMvcOnly(DynamicPropertyRegistry registry) {
        registry.add("aero.commands.fast-path", () -> false);
    }
}
