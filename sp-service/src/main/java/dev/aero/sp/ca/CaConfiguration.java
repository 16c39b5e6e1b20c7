package dev.aero.sp.ca;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ CaProperties.class, DeviceTlsProperties.class })
class CaConfiguration {

    @Bean
    CertificateAuthority certificateAuthority(CaProperties properties) {
        return CertificateAuthority.loadOrCreate(properties);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "aero.sp.device-tls.enabled", matchIfMissing = true)
    DeviceTlsListener deviceTlsListener(CertificateAuthority ca, DeviceTlsProperties properties) {
        return new DeviceTlsListener(ca, properties);
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> deviceTlsConnector(ObjectProvider<DeviceTlsListener> listener) {
        return factory -> listener.ifAvailable(l -> factory.addAdditionalConnectors(l.connector()));
    }
}
