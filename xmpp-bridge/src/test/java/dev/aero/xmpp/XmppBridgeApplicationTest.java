package dev.aero.xmpp;

import java.util.Set;

import org.springframework.boot.test.context.SpringBootTest;

import dev.aero.common.testing.BootServiceContract;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class XmppBridgeApplicationTest extends BootServiceContract {

    @Override
    protected Set<String> backingServices() {
        return Set.of();
    }
}
