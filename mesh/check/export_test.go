package check

// HealthyEcho is the input the echo examples change one thing of.
var HealthyEcho = healthyEcho
