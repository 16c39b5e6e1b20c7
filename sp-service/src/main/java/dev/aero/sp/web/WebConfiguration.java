package dev.aero.sp.web;

import java.util.List;

import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.aero.sp.account.AdminOnly;
import dev.aero.sp.account.AuthenticatedUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Lets handlers declare what they need of the caller as parameters: {@link ClientAddress},
 * and every {@link CallerResolver} bean's type (the signed-in user, the device).
 *
 * <p>Callers are authenticated before anything of the request is read: an interceptor resolves
 * every caller parameter of the handler (401/403 at once) and, for {@link AdminOnly} handlers,
 * requires an admin (403), before the body is parsed and validated. So a caller without the
 * right learns nothing from validation errors, and the argument resolver hands on what the
 * interceptor resolved.
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

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AuthenticateFirst());
    }

    private static final String RESOLVED = WebConfiguration.class.getName() + ".caller.";

    private CallerResolver<?> resolverFor(Class<?> type) {
        for (CallerResolver<?> caller : callers) {
            if (caller.type() == type) {
                return caller;
            }
        }
        return null;
    }

    private final class AuthenticateFirst implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            if (!(handler instanceof HandlerMethod method)) {
                return true;
            }
            for (MethodParameter parameter : method.getMethodParameters()) {
                CallerResolver<?> resolver = resolverFor(parameter.getParameterType());
                if (resolver == null) {
                    continue;
                }
                Object caller = resolver.resolve(request);
                request.setAttribute(RESOLVED + resolver.type().getName(), caller);
                if (caller instanceof AuthenticatedUser user && method.hasMethodAnnotation(AdminOnly.class)) {
                    user.requireAdmin();
                }
            }
            return true;
        }
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
            CallerResolver<?> caller = resolverFor(type);
            if (caller == null) {
                throw new IllegalStateException("no resolver for " + type);
            }
            Object resolved = request.getAttribute(RESOLVED + type.getName());
            return resolved != null ? resolved : caller.resolve(request);
        }
    }
}
