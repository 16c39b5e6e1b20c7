package dev.aero.commands;

import java.util.Set;

import org.springframework.boot.test.context.SpringBootTest;

import dev.aero.common.testing.RedisBackedServiceContract;
import dev.aero.common.testing.RealServices;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class CommandServerApplicationTest extends RedisBackedServiceContract {

    @Override
    protected Set<String> backingServices() {
        return Set.of("redis");
    }
}
