package dev.aero.commands;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.commands.push.CommandPusher;
import dev.aero.commands.push.LoginEventListener;
import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.commands.queue.QueueMetrics;
import dev.aero.common.redis.StreamGroupReader;
import dev.aero.common.tls.DeviceTlsListener;
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
    WebMvcConfigurer serviceEndpoints(ServiceAuthentication authentication) {
        return ServiceAuthInterceptor.on(authentication, "/v1/devices/*/commands", "/v1/devices/*/dead-letters",
                "/v1/devices/*/dead-letters/**", "/v1/command-types", "/v1/dead-letters", "/devices/**");
    }

    @Bean
    PushDelivery pushDelivery(CommandQueues queues, CommandPusher pusher) {
        return new PushDelivery(queues, pusher);
    }

    @Bean
    LoginEventListener loginEventListener(StringRedisTemplate redis, PushDelivery delivery, CommandServerProperties settings) {
        // Stable across restarts, so that events read but not acknowledged before a crash are read again.
        String consumer = StreamGroupReader.hostConsumerName();
        return new LoginEventListener(redis, delivery, settings.eventsStream(), consumer);
    }

    @Bean
    DeviceTlsListener deviceTlsListener(CommandServerProperties settings) {
        return new DeviceTlsListener("command-server", settings.deviceTls(), settings.spUrl(), settings.deploymentSecret(),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), material -> { });
    }

    @Bean
    CommandPusher commandPusher(CommandServerProperties settings, MeterRegistry meters) {
        return new CommandPusher(settings, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), meters);
    }
}
