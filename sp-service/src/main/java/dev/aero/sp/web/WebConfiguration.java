package dev.aero.sp.web;

import java.util.List;

import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Lets handlers declare what they need of the caller as parameters: {@link ClientAddress},
 * and every {@link CallerResolver} bean's type (the signed-in user, the device).
 */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

    private final RequestIdentities identities;
    private final List<CallerResolver<?>> callers;

    WebConfiguration(RequestIdentities identities, List<CallerResolver<?>> callers) {
        this.identities = identities;
        this.callers = callers;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new Resolver());
    }

    private final class Resolver implements HandlerMethodArgumentResolver {

        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            Class<?> type = parameter.getParameterType();
            return type == ClientAddress.class || callers.stream().anyMatch(c -> c.type() == type);
        }

        @Override
        public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest webRequest,
                WebDataBinderFactory binderFactory) {
            HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
            Class<?> type = parameter.getParameterType();
            if (type == ClientAddress.class) {
                return identities.clientAddress(request);
            }
            for (CallerResolver<?> caller : callers) {
                if (caller.type() == type) {
                    return caller.resolve(request);
                }
            }
            throw new IllegalStateException("no resolver for " + type);
        }
    }
}
