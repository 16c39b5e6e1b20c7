package dev.aero.verkehr;

import java.util.Set;

import org.springframework.boot.test.context.SpringBootTest;

import dev.aero.common.testing.RedisBackedServiceContract;
import dev.aero.common.testing.RealServices;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class VerkehrApplicationTest extends RedisBackedServiceContract {

    @Override
    protected Set<String> backingServices() {
        return Set.of("redis");
    }
}
