"""Running Processing algorithms from the tests, with a feedback that records warnings."""

from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer


class RecordingFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.errors = []
        self.infos = []

    def reportError(self, error, fatalError=False):
        self.errors.append(error)
        super().reportError(error, fatalError)

    def pushInfo(self, info):
        self.infos.append(info)
        super().pushInfo(info)


def native_has(algorithm_id: str, parameter: str) -> bool:
    """Whether the running QGIS's ``algorithm_id`` has ``parameter``."""
    from qgis.core import QgsApplication

    native = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    return native.parameterDefinition(parameter) is not None


def run(algorithm, parameters, context=None, feedback=None, result_key="OUTPUT"):
    """(output layer, result dict) of ``processing.run`` with a fresh context by default."""
    from qgis import processing

    context = context or QgsProcessingContext()
    feedback = feedback or QgsProcessingFeedback()
    result = processing.run(algorithm, parameters, context=context, feedback=feedback)
    output = result[result_key]
    if isinstance(output, str):
        output = QgsVectorLayer(output, "out", "ogr")
    return output, result


def one_step_model(algorithm_id, layer_inputs, static_values=None):
    """A model built in code: one child ``step`` running ``algorithm_id``.

    ``layer_inputs`` maps the child's parameter names to model inputs (feature sources) of the
    same name; ``static_values`` fixes other parameters; the child's OUTPUT becomes the
    model output ``step:result``.
    """
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterFeatureSource,
    )

    model = QgsProcessingModelAlgorithm(f"{algorithm_id} model", "tests")
    child = QgsProcessingModelChildAlgorithm(algorithm_id)
    child.setChildId("step")
    for parameter in layer_inputs:
        model.addModelParameter(
            QgsProcessingParameterFeatureSource(parameter, parameter),
            QgsProcessingModelParameter(parameter),
        )
        child.addParameterSources(
            parameter, [QgsProcessingModelChildParameterSource.fromModelParameter(parameter)]
        )
    for parameter, value in (static_values or {}).items():
        child.addParameterSources(
            parameter, [QgsProcessingModelChildParameterSource.fromStaticValue(value)]
        )
    output = QgsProcessingModelOutput("result")
    output.setChildOutputName("OUTPUT")
    child.setModelOutputs({"result": output})
    model.addChildAlgorithm(child)
    return model
