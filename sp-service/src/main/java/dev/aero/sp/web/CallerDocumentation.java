package dev.aero.sp.web;

import java.util.List;
import java.util.Optional;

import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;

import dev.aero.common.web.apidoc.OperationAuthentication;

/**
 * A handler authenticates its caller by taking it as a parameter ({@link CallerResolver}); the
 * API document reads the same parameter, so it cannot say otherwise than the code does.
 */
@Component
class CallerDocumentation implements OperationAuthentication {

    private final List<CallerResolver<?>> callers;

    CallerDocumentation(List<CallerResolver<?>> callers) {
        this.callers = callers;
        // Resolved by WebConfiguration, not bound from the request: not parameters of the API.
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(ClientAddress.class);
        callers.forEach(c -> SpringDocUtils.getConfig().addRequestWrapperToIgnore(c.type()));
    }

    @Override
    public Optional<Scheme> of(HandlerMethod handler) {
        for (MethodParameter parameter : handler.getMethodParameters()) {
            for (CallerResolver<?> caller : callers) {
                if (caller.type() == parameter.getParameterType()) {
                    return Optional.of(caller.documentation());
                }
            }
        }
        return Optional.empty();
    }
}
