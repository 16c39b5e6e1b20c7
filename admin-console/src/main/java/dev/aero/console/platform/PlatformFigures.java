package dev.aero.console.platform;

/**
 * The figures the overview shows besides SP's: each is null when its service could not say
 * (the overview shows a dash and the service's health says why).
 *
 * @param devicesOnline devman: devices online through any transport
 * @param eventsLag devman: connection events not yet read
 * @param commandsWaiting command-server: commands in every device's queue (counted at most 5 s ago)
 * @param devicesWithCommands command-server: devices whose queue is not empty
 * @param deadLetters command-server: dead letters over every device
 * @param devicesWithDeadLetters command-server: devices with at least one dead letter
 * @param verkehrConnections verkehr: live SSMP connections over every node
 * @param verkehrNodes verkehr: nodes alive
 * @param relayPairs zephyr: pairs bound now
 * @param relayConnections zephyr: connections open now
 * @param bytesRelayed zephyr: bytes relayed since it started
 */
public record PlatformFigures(Long devicesOnline, Long eventsLag, Long commandsWaiting, Long devicesWithCommands, Long deadLetters,
                              Long devicesWithDeadLetters, Long verkehrConnections,
                              Long verkehrNodes, Long relayPairs, Long relayConnections, Long bytesRelayed) {
}
