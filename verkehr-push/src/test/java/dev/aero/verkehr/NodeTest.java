package dev.aero.verkehr;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestRedis;

/** Base of the tests against running nodes: the class's nodes on its Redis database, stopped after it. */
@RealServices(redis = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NodeTest {

    VerkehrNodes nodes;
    /** The counter behind {@link #fresh}: ids and topics never repeat within a class. */
    int n;

    @BeforeAll
    void createNodes(TestRedis redis) throws Exception {
        nodes = new VerkehrNodes(redis);
    }

    @AfterAll
    void stopNodes() {
        nodes.close();
    }

    String fresh(String base) {
        return base + (++n);
    }
}
