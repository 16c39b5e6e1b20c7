package dev.aero.commands;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;

import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.api.FastAckFilter;
import dev.aero.commands.api.FastEnqueueFilter;
import dev.aero.commands.api.FrontEnqueue;
import dev.aero.commands.front.FrontPlacement;
import dev.aero.commands.front.ServiceFront;
import dev.aero.commands.push.CommandPusher;
import dev.aero.commands.push.LoginEventListener;
import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.push.SsmpPushChannel;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.commands.queue.QueueMetrics;
import dev.aero.common.redis.StreamGroupReader;
import dev.aero.common.tls.DeviceTlsListener;
import dev.aero.common.web.RequestBodyLimitFilter;
import dev.aero.common.web.ServiceAuthInterceptor;
import dev.aero.common.web.ServiceAuthentication;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CommandServerProperties.class)
class CommandServerConfiguration {

    @Bean
    CommandQueues commandQueues(StringRedisTemplate redis, CommandServerProperties settings, MeterRegistry meters) {
        return new CommandQueues(redis, Clock.systemUTC(), settings.timeToLive(), settings.maxAttempts())
                .withEvents(new QueueMetrics(meters));
    }

    @Bean
    ServiceAuthentication serviceAuthentication(CommandServerProperties settings) {
        return new ServiceAuthentication(settings.deploymentSecret());
    }

    /** The service API; the device endpoints (head, ack) authenticate by certificate instead. */
    @Bean
    ServiceAuthInterceptor.Paths serviceEndpoints(ServiceAuthentication authentication) {
        return ServiceAuthInterceptor.on(authentication, "/v1/devices/*/commands", "/v1/devices/*/dead-letters",
                "/v1/devices/*/dead-letters/**", "/v1/command-types", "/v1/dead-letters", "/v1/stats", "/v1/queues/batch", "/devices/**");
    }

    /** The batch enqueue's body limit: 1,000 entries fit with room to spare. */
    static final long BATCH_MAX_REQUEST_BYTES = 1024 * 1024;

    /**
     * The batch enqueue's body is bounded here, at 1 MiB, instead of by the 64 KiB limit of every
     * other request ({@code aero.web.streamed-body-paths} in application.yml leaves it to this
     * filter): the same 413 problem beyond it.
     */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> batchRequestBodyLimit() {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestBodyLimitFilter(BATCH_MAX_REQUEST_BYTES));
        registration.setName("batchRequestBodyLimit");
        registration.addUrlPatterns("/v1/queues/batch");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * The hot path of the service API (enqueue and replace) in a filter instead of Spring MVC,
     * after the request-id, header and observation filters ({@link FastEnqueueFilter});
     * {@code aero.commands.fast-path=false} leaves every request to Spring MVC.
     */
    @Bean
    @ConditionalOnProperty(name = "aero.commands.fast-path", havingValue = "true", matchIfMissing = true)
    FilterRegistrationBean<FastEnqueueFilter> fastEnqueue(ServiceAuthentication authentication, CommandQueues queues, PushDelivery pusher,
            JsonMapper json, @Value("${aero.web.max-request-bytes:65536}") long maxBytes) {
        FilterRegistrationBean<FastEnqueueFilter> registration = new FilterRegistrationBean<>(
                new FastEnqueueFilter(authentication, queues, pusher, json, maxBytes));
        registration.setName("fastEnqueue");
        registration.addUrlPatterns("/v1/devices/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    /**
     * The service port's event-loop front ({@link ServiceFront}): enqueue and replace answered on
     * Netty without blocking ({@link FrontEnqueue}), every other request relayed to Tomcat on a
     * loopback port behind it. {@code aero.commands.front.enabled=false} (or
     * {@code aero.commands.fast-path=false}) leaves the port to Tomcat, with the filter above.
     */
    @Bean
    @ConditionalOnExpression("${aero.commands.fast-path:true} and ${aero.commands.front.enabled:true}")
    ServiceFront serviceFront(ServiceAuthentication authentication, CommandQueues queues, PushDelivery pusher, JsonMapper json,
            @Value("${aero.web.max-request-bytes:65536}") long maxBytes, MeterRegistry meters, ClientResources redis) {
        return new ServiceFront(new FrontEnqueue(authentication, queues, pusher, json, maxBytes), 1,
                Duration.ofSeconds(60), 10_000, meters, redis, queues::ping);
    }



    @Bean
    @ConditionalOnExpression("${aero.commands.fast-path:true} and ${aero.commands.front.enabled:true}")
    static FrontPlacement frontPlacement(ObjectProvider<ServiceFront> front, ConfigurableEnvironment environment) {
        return new FrontPlacement(front, environment);
    }

    /**
     * The device API's hot path (a device's ack of each command) in a filter instead of Spring
     * MVC ({@link FastAckFilter}); off with the enqueue's, {@code aero.commands.fast-path=false}.
     */
    @Bean
    @ConditionalOnProperty(name = "aero.commands.fast-path", havingValue = "true", matchIfMissing = true)
    FilterRegistrationBean<FastAckFilter> fastAck(CommandQueues queues, JsonMapper json,
            @Value("${aero.web.max-request-bytes:65536}") long maxBytes) {
        FilterRegistrationBean<FastAckFilter> registration = new FilterRegistrationBean<>(new FastAckFilter(queues, json, maxBytes));
        registration.setName("fastAck");
        registration.addUrlPatterns("/v1/devices/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 3);
        return registration;
    }

    @Bean
    PushDelivery pushDelivery(CommandQueues queues, CommandPusher pusher, CommandServerProperties settings) {
        return new PushDelivery(queues, pusher, settings.pushRetryFirst(), settings.pushRetryMax());
    }

    @Bean
    LoginEventListener loginEventListener(StringRedisTemplate redis, PushDelivery delivery, CommandServerProperties settings) {
        // Stable across restarts, so that events read but not acknowledged before a crash are read again.
        String consumer = StreamGroupReader.hostConsumerName();
        return new LoginEventListener(redis, delivery, settings.eventsStream(), consumer);
    }

    /** Pushes over one SSMP connection to verkehr, when {@code aero.commands.verkehr-ssmp} names its listener. */
    @Bean
    @ConditionalOnExpression("!'${aero.commands.verkehr-ssmp:}'.isEmpty()")
    SsmpPushChannel ssmpPushChannel(CommandServerProperties settings) {
        return new SsmpPushChannel(settings.verkehrSsmp(), settings.deploymentSecret(), settings.pushTimeout());
    }

    /**
     * The device listener; once it has the platform CA, the SSMP push channel starts with it. It
     * is also the {@code deviceTls} health component, DOWN until it listens.
     */
    @Bean
    DeviceTlsListener deviceTls(CommandServerProperties settings, ObjectProvider<SsmpPushChannel> channel) {
        return new DeviceTlsListener("command-server", settings.deviceTls(), settings.spUrl(), settings.deploymentSecret(),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                material -> channel.ifAvailable(c -> c.start(material.ca())));
    }

    @Bean
    CommandPusher commandPusher(CommandServerProperties settings, MeterRegistry meters, ObjectProvider<SsmpPushChannel> channel) {
        return new CommandPusher(settings, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), channel.getIfAvailable(),
                meters);
    }
}
