package dev.aero.commands.front;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Puts the {@link ServiceFront} on the service port ({@code server.port}, {@code server.address})
 * and the servlet container behind it on a free loopback port: the container's factory is
 * customized last, after Spring Boot applied the server settings; once the container listens,
 * the front starts, relaying to it, and {@code local.server.port} names the front's port (the
 * port clients use). With TLS on the service port ({@code server.ssl}) the container keeps the
 * port and the front stays off.
 */
public final class FrontPlacement implements WebServerFactoryCustomizer<AbstractConfigurableWebServerFactory>, Ordered,
        ApplicationListener<ApplicationEvent> {

    private static final String PORTS = "server.ports";
    private static final String LOCAL_PORT = "local.server.port";

    private final ObjectProvider<ServiceFront> fronts;
    private final ConfigurableEnvironment environment;
    private volatile InetSocketAddress listen;

    /** @param fronts the front, looked up once the container listens (not when its factory is made, early in the start) */
    public FrontPlacement(ObjectProvider<ServiceFront> fronts, ConfigurableEnvironment environment) {
        this.fronts = fronts;
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public synchronized void customize(AbstractConfigurableWebServerFactory factory) {
        if (listen != null || factory.getPort() < 0 || factory.getSsl() != null && factory.getSsl().isEnabled()) {
            return;
        }
        InetAddress address = factory.getAddress();
        listen = address == null ? new InetSocketAddress(factory.getPort()) : new InetSocketAddress(address, factory.getPort());
        factory.setAddress(InetAddress.getLoopbackAddress());
        factory.setPort(0);
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (listen == null) {
            return;
        }
        ServiceFront front = fronts.getObject();
        if (event instanceof WebServerInitializedEvent initialized && initialized.getApplicationContext().getServerNamespace() == null
                && !front.isRunning()) {
            try {
                front.start(listen, new InetSocketAddress(InetAddress.getLoopbackAddress(), initialized.getWebServer().getPort()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the service port's front started", e);
            }
            publishPort(front);
        } else if (event instanceof ContextRefreshedEvent && front.isRunning()) {
            publishPort(front); // again, after Spring Boot's own listener set it to the container's port
        }
    }

    @SuppressWarnings("unchecked")
    private void publishPort(ServiceFront front) {
        PropertySource<?> ports = environment.getPropertySources().get(PORTS);
        if (ports != null && ports.getSource() instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).put(LOCAL_PORT, front.port());
        }
    }
}
