"""`slimlint image`: measure the waste in a saved image (dive-compatible figures) and trace it to Dockerfile lines.

Pipeline: `archive` finds the image and its layers in a docker-save / OCI archive or folder, `layers` streams each
layer's tar entries, `stack` stacks them (whiteouts, links) and accounts every stored byte, `report` turns that into
figures and CI checks, `dockerfile_map` pairs layers with Dockerfile instructions for SL601 findings.
"""
