package pipeline_test

// fixture is the frozen copy of the shipped environments (dev, prod,
// qa, staging) that the tests read, never the live cdktf.json users edit.
const fixture = "../../testdata/cdktf.json"
