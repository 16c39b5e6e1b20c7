package dev.aero.commands;

import java.util.Set;

import org.springframework.boot.test.context.SpringBootTest;

import dev.aero.common.testing.RedisBackedServiceContract;
import dev.aero.common.testing.RealServices;

// No SP here to enroll the device listener with: it is off, and its health component says so.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "aero.commands.device-tls.enabled=false")
@RealServices(redis = true)
class CommandServerApplicationTest extends RedisBackedServiceContract {

    @Override
    protected Set<String> backingServices() {
        return Set.of("redis", "deviceTls");
    }

    @Override
    protected ApiDocument apiDocument() {
        return new ApiDocument("/openapi.json", "command-server");
    }
}
