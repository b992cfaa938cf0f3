package dev.duet.controller;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * An owner's command as the body names it: the argv, and the timeout in seconds exactly as written
 * (absent for the default). Its limits are the controller's rules ({@link CommandService}), judged
 * once, in the core.
 */
public record CommandRequest(List<String> argv, Optional<BigDecimal> timeoutSeconds) {}
